using System.Diagnostics;
using Gateway.Policy;
using Gateway.Proxy.Admit;
using Gateway.Proxy.Describe;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Telemetry;

namespace Gateway.Proxy.Decide;

/// <summary>
/// Decide: runs the policy engine (<see cref="GovernanceService"/>: the decision, its explanation and
/// token, and the approval request or incident it calls for), with what the admission counted of the run the request
/// acts in (its intent's count, for the run's loop detection). Its record is the
/// <see cref="GovernedDecision"/>. Deciding is pure and fast; there is no cache.
/// </summary>
internal sealed class DecideStage
{
    private readonly RequestDelegate _next;
    private readonly GovernanceService _governance;
    private readonly GatewayMetrics _metrics;

    public DecideStage(RequestDelegate next, GovernanceService governance, GatewayMetrics metrics)
    {
        _next = next;
        _governance = governance;
        _metrics = metrics;
    }

    public async Task InvokeAsync(HttpContext context)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            var feature = context.GatewayRequest();
            var described = feature.Get<DescribedAction>();
            var admission = feature.Get<Admission>();
            var governed = await _governance.DecideAsync(
                described.Tenant,
                admission.Identity!,
                described.Request,
                described.Route == GatewayRouteKind.Evaluate && admission.TokenGrant is { } grant ? grant with { Evaluation = true } : admission.TokenGrant,
                admission.Evaluation,
                admission.Described,
                admission.Run?.Activity,
                RequestIdMiddleware.GetRequestId(context),
                context.RequestAborted).ConfigureAwait(false);
            feature.Add(governed);
            GatewayTelemetry.SetDecision(context, WireNames.Of(governed.Kind), governed.FailingControls);
        }
        finally
        {
            _metrics.RecordStage(GatewayStage.Decide, started);
        }

        await _next(context).ConfigureAwait(false);
    }
}
