using Gateway.Audit;
using Gateway.Connectors.Results;
using Gateway.Proxy.Decide;
using Gateway.Proxy.Describe;
using Gateway.Proxy.Enforce;
using Gateway.Proxy.Forward;
using Gateway.Proxy.Pipeline;

namespace Gateway.Proxy.Respond;

/// <summary>
/// Respond for <c>POST /a2a/{connector}</c>, in JSON-RPC under the caller's id (<see cref="A2aReplyWriter"/>): a message
/// held for approval as a task in <c>input-required</c>; a call carried out with the remote agent's answer, the tasks it names
/// recorded as the caller's and the task states it showed recorded (a state the journal cannot take now waits in its backlog,
/// as the state it is: the answer is written all the same); a relayed event stream (<see cref="A2aRelayedStream"/>) by its outcome and states, and when it could
/// not be relayed to its end by the refusal as its last event.
/// </summary>
internal sealed partial class A2aResponder(OutcomeRecorder outcomes, ILogger<A2aResponder> logger) : GovernedResponder(outcomes)
{
    protected override Task RefuseAsync(HttpContext context, GatewayRequestFeature feature, GovernedDecision governed) =>
        feature.JsonRpcId is { } id && governed.Approval is not null
            ? A2aReplyWriter.WriteHeldAsync(context, id, feature.Get<DescribedAction>().Body, governed)
            : base.RefuseAsync(context, feature, governed);

    protected override ValueTask CompleteAsync(HttpContext context, GatewayRequestFeature feature) =>
        feature.Find<UpstreamResponse>() is { A2aStream: not null } response && context.Response.HasStarted && feature.JsonRpcId is { } id
            ? new ValueTask(CompleteStreamAsync(context, feature, response, id))
            : base.CompleteAsync(context, feature);

    protected override async Task WriteResultAsync(HttpContext context, GatewayRequestFeature feature, GovernedDecision governed, UpstreamResponse response, ConnectorResult result)
    {
        if (feature.JsonRpcId is not { } id)
        {
            await DecisionResponseWriter.WriteDecisionAsync(context, governed, invoked: true, result.Json, result.StatusCode,
                WorkspaceResponseMembers.For(feature.Get<DescribedAction>(), governed, response)).ConfigureAwait(false);
            return;
        }

        var plan = feature.Get<ForwardPlan>();
        var request = feature.Get<DescribedAction>().Body;
        try
        {
            await Outcomes.Audit.RecordA2aTaskStatesAsync(context, plan.Identity, governed, A2aReplyWriter.StatesOf(request, result)).ConfigureAwait(false);
        }
        catch (AuditWriteException ex)
        {
            // The remote agent has answered (its outcome, invoked, is on its way to the journal): the caller is answered its
            // result, never refused as though nothing was forwarded; the states wait in the journal's backlog as they are.
            LogTaskStatesNotRecorded(logger, ex);
        }

        foreach (var taskId in A2aReplyWriter.TaskIdsOf(request, result))
        {
            // The caller's before the answer that names it is written: a read of it may follow at once.
            await plan.A2aTasks!.RecordAsync(taskId).ConfigureAwait(false);
        }

        foreach (var contextId in A2aReplyWriter.ContextIdsOf(request, result))
        {
            await plan.A2aTasks!.RecordContextAsync(contextId).ConfigureAwait(false);
        }

        await A2aReplyWriter.WriteResultAsync(context, id, request, result, plan.A2aTasks!).ConfigureAwait(false);
    }

    /// <summary>
    /// A remote agent's event stream, relayed as it came: the outcome and the task states the relayed events showed are
    /// recorded, and a stream that could not be relayed to its end ends with the refusal as a last event (a JSON-RPC
    /// error). The events have gone out: a record that cannot be written is logged, as for a provider's stream.
    /// </summary>
    private async Task CompleteStreamAsync(HttpContext context, GatewayRequestFeature feature, UpstreamResponse response, string id)
    {
        var plan = feature.Get<ForwardPlan>();
        var refusal = response.Refusal ?? OutcomeRecorder.ForwardingFailure(context);
        var governed = feature.Get<GovernedDecision>();
        await Outcomes.RecordStreamedAsync(context, feature, plan, response, OutcomeRecorder.Streamed(feature, plan, response, refusal), () => Outcomes.Audit.RecordA2aTaskStatesAsync(context, plan.Identity, governed, response.A2aStream!.States)).ConfigureAwait(false);

        if (refusal is not null)
        {
            await A2aReplyWriter.WriteStreamErrorAsync(context, id, refusal).ConfigureAwait(false);
        }
    }

    [LoggerMessage(EventId = 3334, Level = LogLevel.Error, Message = "The task states a remote agent's answer showed could not be recorded now; the journal keeps them in its backlog")]
    private static partial void LogTaskStatesNotRecorded(ILogger logger, Exception exception);
}
