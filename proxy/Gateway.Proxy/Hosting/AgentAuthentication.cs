using Gateway.Proxy.Authenticate;
using Gateway.Proxy.Record;
using Gateway.Proxy.Respond;
using Gateway.Proxy.Telemetry;
using Yarp.ReverseProxy.Model;

namespace Gateway.Proxy.Hosting;

/// <summary>
/// Runs the Authenticate stage (<see cref="AgentAuthenticator"/>) on the agent endpoints that are not YARP routes yet
/// (runs, delegations, approval polls, the A2A card, <c>/mcp</c>), once routing chose the endpoint, and answers a refusal
/// as the Respond stage does (<see cref="RespondStage.RefuseUnauthenticatedAsync"/>): nothing after it runs for a request
/// it refused. A YARP route is authenticated inside its walk (<see cref="AuthenticateStage"/>); other endpoints (health,
/// admin, the console, the OpenAPI document, OAuth's) pass untouched. To be deleted once those endpoints are routes.
/// </summary>
internal sealed class AgentAuthentication
{
    private readonly RequestDelegate _next;
    private readonly AgentAuthenticator _authenticator;
    private readonly AuditRecorder _audit;
    private readonly GatewayMetrics _metrics;
    private readonly ILogger<RespondStage> _logger;

    public AgentAuthentication(RequestDelegate next, AgentAuthenticator authenticator, AuditRecorder audit, GatewayMetrics metrics, ILogger<RespondStage> logger)
    {
        _next = next;
        _authenticator = authenticator;
        _audit = audit;
        _metrics = metrics;
        _logger = logger;
    }

    public Task InvokeAsync(HttpContext context) =>
        context.GetEndpoint() is { } endpoint && AgentRouteMetadata.IsAgentRoute(endpoint) && endpoint.Metadata.GetMetadata<RouteModel>() is null
            ? AuthenticateAsync(context)
            : _next(context);

    private async Task AuthenticateAsync(HttpContext context)
    {
        if (await _authenticator.AuthenticateAsync(context).ConfigureAwait(false) is { } challenge)
        {
            await RespondStage.RefuseUnauthenticatedAsync(context, challenge, _audit, _metrics, _logger).ConfigureAwait(false);
            return;
        }

        await _next(context).ConfigureAwait(false);
    }
}
