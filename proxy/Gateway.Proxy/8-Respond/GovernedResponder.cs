using System.Runtime.CompilerServices;
using Gateway.Connectors.Results;
using Gateway.Proxy.Decide;
using Gateway.Proxy.Enforce;
using Gateway.Proxy.Forward;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Record;
using Gateway.Proxy.Refusals;

namespace Gateway.Proxy.Respond;

/// <summary>
/// The answer of a governed action no stage refused, by what its recorded decision asked: a decision that answers is
/// written with its explanation, one that refuses as its refusal, one carried out with the upstream's result, its
/// outcome handed to the journal (appended right after the response: <see cref="AuditRecorder.RecordOutcomeAsync"/>). Each kind's responder writes these in its own form (an envelope, a JSON-RPC reply); an upstream
/// failure is added as the <see cref="Refusal"/> the Respond stage records and writes.
/// </summary>
internal abstract class GovernedResponder(OutcomeRecorder outcomes) : IRouteResponder
{
    /// <summary>Records outcomes.</summary>
    protected OutcomeRecorder Outcomes => outcomes;

    public ValueTask RespondAsync(HttpContext context, GatewayRequestFeature feature) => feature.Find<RecordedDecision>()?.Disposition switch
    {
        DecisionDisposition.Answer => new ValueTask(AnswerAsync(context, feature, feature.Get<GovernedDecision>())),
        DecisionDisposition.Refuse => new ValueTask(RefuseAsync(context, feature, feature.Get<GovernedDecision>())),
        DecisionDisposition.Execute => CompleteAsync(context, feature),
        _ => Fail(feature, Refusal.Internal()),
    };

    /// <summary>A decision that answers (an evaluation): the decision with its explanation.</summary>
    protected virtual Task AnswerAsync(HttpContext context, GatewayRequestFeature feature, GovernedDecision governed) =>
        DecisionResponseWriter.WriteDecisionAsync(context, governed, invoked: false);

    /// <summary>A decision that refuses (recorded as such): its refusal, with the decision.</summary>
    protected virtual Task RefuseAsync(HttpContext context, GatewayRequestFeature feature, GovernedDecision governed) =>
        RefusalResponse.WriteAsync(context, DecisionResponseWriter.RefusalFor(governed, RecordedDecision.ReceiptOf(context)));

    /// <summary>A decision carried out: the outcome handed to the journal, then the result written (<see cref="WriteResultAsync"/>).</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    protected virtual async ValueTask CompleteAsync(HttpContext context, GatewayRequestFeature feature)
    {
        var plan = feature.Get<ForwardPlan>();
        var response = feature.Find<UpstreamResponse>();
        var refusal = response?.Refusal ?? OutcomeRecorder.ForwardingFailure(context);
        if (refusal is not null || response?.Result is not { } result)
        {
            feature.Add(refusal ?? OutcomeRecorder.UpstreamFailed);
            return;
        }

        await outcomes.RecordAsync(context, feature, plan, response, new ActionOutcome
        {
            Invoked = true,
            UpstreamStatus = result.StatusCode,
            Redactions = WorkspaceResponseMembers.Counts(plan.Redactions.ToDictionary(), response),
            Latency = OutcomeRecorder.Latency(feature),
        }).ConfigureAwait(false);
        await WriteResultAsync(context, feature, feature.Get<GovernedDecision>(), response, result).ConfigureAwait(false);
    }

    /// <summary>The result of a call carried out, its outcome handed to the journal.</summary>
    protected abstract Task WriteResultAsync(HttpContext context, GatewayRequestFeature feature, GovernedDecision governed, UpstreamResponse response, ConnectorResult result);

    /// <summary>A failure found on the way, for the Respond stage to record and write.</summary>
    protected static ValueTask Fail(GatewayRequestFeature feature, Refusal refusal)
    {
        feature.Add(refusal);
        return ValueTask.CompletedTask;
    }
}
