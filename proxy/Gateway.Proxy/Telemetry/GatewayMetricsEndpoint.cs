using Gateway.Oversight;
using Gateway.Proxy.Refusals;

namespace Gateway.Proxy.Telemetry;

/// <summary>
/// The Prometheus scrape endpoint (the OpenTelemetry exporter's middleware) on the metrics port, and a
/// wall around that port: anything else asked of it is a 404, so the agent-facing routes and the admin
/// API are never reachable through the port a scraper is let into, and /metrics is never served on the
/// agent-facing port.
/// </summary>
internal static class GatewayMetricsEndpoint
{
    public static bool IsScrape(HttpContext context, MetricsEndpointSettings settings) =>
        settings.Port is { } port
        && context.Connection.LocalPort == port
        && context.Request.Path.Equals(MetricsEndpointSettings.Path, StringComparison.Ordinal);

    public static void Use(IApplicationBuilder app, MetricsEndpointSettings settings)
    {
        if (settings.Port is not { } port)
        {
            return;
        }

        app.UseOpenTelemetryPrometheusScrapingEndpoint(context => IsScrape(context, settings));
        app.Use((context, next) => context.Connection.LocalPort == port
            ? RefusalResponse.WriteAsync(context, new Refusal(StatusCodes.Status404NotFound, ProblemCodes.NotFound, "This port serves /metrics only."))
            : next(context));
    }
}
