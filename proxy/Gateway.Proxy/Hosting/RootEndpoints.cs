using System.Text.Json;
using Gateway.Proxy.Console;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Gateway.Proxy.Hosting;

/// <summary>
/// What a person who opens the gateway's address finds: <c>/</c> sends a browser to the console (when it is on) and
/// answers anything else with a small JSON index of the gateway's own addresses; <c>/favicon.ico</c> is an empty 204, so
/// a browser's request for it is not a 404 in the logs. Neither says anything about tenants, agents or policy.
/// </summary>
internal static class RootEndpoints
{
    public static IEndpointRouteBuilder MapGatewayRoot(this IEndpointRouteBuilder endpoints)
    {
        var consoleOn = endpoints.ServiceProvider.GetRequiredService<IOptions<ConsoleOptions>>().Value.Enabled;
        var index = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string>
        {
            ["service"] = "gamut gateway",
            ["console"] = consoleOn ? ConsoleEndpoints.Prefix : "off",
            ["openapi"] = "/openapi.yaml",
            ["health"] = "/healthz",
            ["ready"] = "/readyz",
            ["agent_protocol"] = "/v1/evaluate, /v1/actions/*, /providers/{connector}/..., /mcp (signed; see the OpenAPI document)",
        });
        endpoints.MapGet("/", (HttpContext context) =>
        {
            context.Response.Headers.CacheControl = "no-store";
            return consoleOn && AcceptsHtml(context.Request)
                ? Results.Redirect(ConsoleEndpoints.Prefix)
                : Results.Bytes(index, "application/json");
        }).ExcludeFromDescription();
        endpoints.MapGet("/favicon.ico", static (HttpContext context) =>
        {
            context.Response.Headers.CacheControl = "public, max-age=86400";
            return Results.NoContent();
        }).ExcludeFromDescription();
        return endpoints;
    }

    private static bool AcceptsHtml(HttpRequest request) =>
        MediaTypeHeaderValue.TryParseList(request.Headers.Accept, out var accepted)
        && accepted.Any(static type => type.MediaType.Equals("text/html", StringComparison.OrdinalIgnoreCase) && type.Quality is not 0);
}
