using Microsoft.AspNetCore.Http.Features;
using Gateway.Policy;
using Gateway.Proxy.Enforce;
using Gateway.Proxy.Telemetry;

namespace Gateway.Proxy.Decide;

/// <summary>
/// Decide: runs the policy engine (<see cref="GovernanceService"/>: the decision, its explanation and
/// token, and the approval request or incident it calls for). Deciding is pure and fast; there is no cache.
/// </summary>
internal sealed class DecideStage
{
    private readonly RequestDelegate _next;
    private readonly GovernanceService _governance;

    public DecideStage(RequestDelegate next, GovernanceService governance)
    {
        _next = next;
        _governance = governance;
    }

    public async Task InvokeAsync(HttpContext context)
    {
        var exchange = context.Features.GetRequiredFeature<GovernedExchange>();
        var governed = await _governance.DecideAsync(exchange.Tenant, exchange.Identity, exchange.Request!, context.RequestAborted).ConfigureAwait(false);
        exchange.Governed = governed;
        GatewayTelemetry.SetDecision(context, WireNames.Of(governed.Kind), governed.FailingControls);
        await _next(context).ConfigureAwait(false);
    }
}
