using System.Diagnostics;
using Gateway.Connectors.Kinds;
using Gateway.Policy;
using Gateway.Proxy.Admit;
using Gateway.Proxy.Describe;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Telemetry;

namespace Gateway.Proxy.Decide;

/// <summary>
/// Decide: runs the policy engine (<see cref="GovernanceService"/>: the decision, its explanation and
/// token, and as data the approval request, incident or warrant redemption it calls for, <see cref="DecisionEffects"/>),
/// with what the admission counted of the run the request acts in (its intent's count, for the run's loop detection).
/// Its record is the <see cref="GovernedDecision"/> (and, for a read of a workspace store, the
/// <see cref="WorkspaceItemClearance"/> its items are returned under). Deciding writes nothing (the Enforce stage
/// carries out the effects once the decision is recorded) and is fast; there is no cache.
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

    public Task InvokeAsync(HttpContext context)
    {
        if (context.GatewayRequest().Find<LocalAction>() is { } local)
        {
            return DecideLocal(context, local);
        }

        // The decision is made without waiting almost always (a warrant's check waits): then the next stage runs from
        // here, with no state machine of this stage's held across the rest of the walk.
        var started = Stopwatch.GetTimestamp();
        var feature = context.GatewayRequest();
        ValueTask<GovernedDecision> deciding;
        try
        {
            deciding = Decide(context, feature);
        }
        catch
        {
            _metrics.RecordStage(GatewayStage.Decide, started);
            throw;
        }

        if (!deciding.IsCompletedSuccessfully)
        {
            return DecideAsync(context, feature, deciding, started);
        }

        try
        {
            Accept(context, feature, deciding.Result);
        }
        finally
        {
            _metrics.RecordStage(GatewayStage.Decide, started);
        }

        return _next(context);
    }

    private async Task DecideAsync(HttpContext context, GatewayRequestFeature feature, ValueTask<GovernedDecision> deciding, long started)
    {
        try
        {
            Accept(context, feature, await deciding.ConfigureAwait(false));
        }
        finally
        {
            _metrics.RecordStage(GatewayStage.Decide, started);
        }

        await _next(context).ConfigureAwait(false);
    }

    private ValueTask<GovernedDecision> Decide(HttpContext context, GatewayRequestFeature feature)
    {
        var described = feature.Get<DescribedAction>();
        var admission = feature.Get<Admission>();
        return _governance.DecideAsync(
            described.Tenant,
            admission.Identity!,
            described.Request,
            described.DecideOnly && admission.TokenGrant is { } grant ? grant with { Evaluation = true } : admission.TokenGrant,
            admission.Evaluation,
            admission.Described,
            admission.Run?.Activity,
            RequestIdMiddleware.GetRequestId(context),
            described.DecideOnly,
            context.RequestAborted);
    }

    // The decision is the request's record, with what a read of a workspace store may return.
    private static void Accept(HttpContext context, GatewayRequestFeature feature, GovernedDecision governed)
    {
        feature.Add(governed);
        var described = feature.Get<DescribedAction>();
        if (governed.Decision.MayExecute && governed.Entry is { } entry && entry.Type().AcceptsWriteback(entry) && described.Request.RouteActionType() is null)
        {
            // A read of a workspace store: its items are returned only as policy lets this reader receive them.
            feature.Add(new WorkspaceItemClearance(described.Tenant, feature.Get<Admission>().Identity!.Caller, described.Request, governed.Decision));
        }

        GatewayTelemetry.SetDecision(context, WireNames.Of(governed.Kind), governed.FailingControls);
    }

    /// <summary>A request the gateway serves itself (<see cref="LocalAction"/>): allowed unless its kind refuses it (<see cref="LocalDecision"/>).</summary>
    private Task DecideLocal(HttpContext context, LocalAction local)
    {
        var started = Stopwatch.GetTimestamp();
        var feature = context.GatewayRequest();
        feature.Add(LocalDecision.Of(local, feature.Get<Admission>().Identity!));
        _metrics.RecordStage(GatewayStage.Decide, started);
        return _next(context);
    }
}
