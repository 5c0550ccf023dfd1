using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Gateway.Proxy.Hosting;

/// <summary>
/// <c>/healthz</c>: the process is up. <c>/readyz</c>: every ASP.NET Core health check tagged
/// <see cref="ReadyTag"/> passes — the gateway's store, policy and store clock (<see cref="StoreClockCheck"/>) checks and any other registered
/// with that tag (the audit sink's); a replica that is not ready gets no traffic from Kubernetes.
/// The body names each check with a short code only: <c>{"store":"ok","policy":"not_loaded",…}</c> (<see cref="StatusCode"/>). Neither counts in the HTTP server metrics;
/// both answer GET and HEAD only.
/// </summary>
internal static class HealthEndpoints
{
    /// <summary>The tag of the checks readiness is made of.</summary>
    public const string ReadyTag = "ready";

    // The methods a probe may use.
    private static readonly string[] ProbeMethods = [HttpMethods.Get, HttpMethods.Head];

    public static IServiceCollection AddGatewayHealthChecks(this IServiceCollection services)
    {
        // The store's clock is read at start-up and periodically, and by the probe when its last reading is out of bounds.
        services.AddSingleton<StoreClockCheck>();
        services.AddHostedService(static sp => sp.GetRequiredService<StoreClockCheck>());
        services.AddHealthChecks()
            .AddCheck<StoreHealthCheck>("store", tags: [ReadyTag])
            .AddCheck<PolicyHealthCheck>("policy", tags: [ReadyTag])
            .AddCheck<StoreClockCheck>("store_clock", tags: [ReadyTag]);
        return services;
    }

    public static IEndpointRouteBuilder MapGatewayHealth(this IEndpointRouteBuilder endpoints)
    {
        // Probes are not traffic: they are left out of http.server.request.duration (docs/observability.md, "Metrics"), so an
        // unready replica's probes neither keep the request rate up nor count as 5xx.
        // GET and HEAD only, as docs/openapi.yaml lists them: any other method is 405 (MapHealthChecks alone answers any).
        endpoints.MapMethods("/healthz", ProbeMethods, static () => Results.Text("ok\n", "text/plain")).ExcludeFromDescription().DisableHttpMetrics();
        endpoints.MapHealthChecks("/readyz", new HealthCheckOptions
        {
            Predicate = static registration => registration.Tags.Contains(ReadyTag),
            ResponseWriter = WriteAsync,
            ResultStatusCodes =
            {
                [HealthStatus.Healthy] = StatusCodes.Status200OK,
                [HealthStatus.Degraded] = StatusCodes.Status503ServiceUnavailable,
                [HealthStatus.Unhealthy] = StatusCodes.Status503ServiceUnavailable,
            },
        }).WithMetadata(new HttpMethodMetadata(ProbeMethods)).ExcludeFromDescription().DisableHttpMetrics();
        return endpoints;
    }

    /// <summary>
    /// The short code <paramref name="entry"/> reads as in the body: <c>ok</c>, or its description when that is a short code
    /// (<c>unavailable</c>, <c>not_loaded</c>, <c>skewed</c>), else its status. The body is unauthenticated: a description
    /// with more in it (an exception's name, a host) stays in the log the health check service writes.
    /// </summary>
    internal static string StatusCode(HealthReportEntry entry) =>
        entry.Status == HealthStatus.Healthy ? "ok"
        : entry.Description is { Length: > 0 and <= 32 } code && code.All(static c => c is (>= 'a' and <= 'z') or '_') ? code
        : entry.Status.ToString().ToLowerInvariant();

    private static Task WriteAsync(HttpContext context, HealthReport report)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var (name, entry) in report.Entries)
            {
                writer.WriteString(name, StatusCode(entry));
            }

            writer.WriteEndObject();
        }

        context.Response.ContentType = "application/json";
        context.Response.Headers.CacheControl = "no-store";
        return context.Response.Body.WriteAsync(buffer.WrittenMemory, context.RequestAborted).AsTask();
    }
}
