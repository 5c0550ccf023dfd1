using Gateway.Connectors.Results;
using Gateway.Proxy.Decide;
using Gateway.Proxy.Describe;
using Gateway.Proxy.Enforce;
using Gateway.Proxy.Forward;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Record;
using Gateway.Proxy.Refusals;

namespace Gateway.Proxy.Respond;

/// <summary>
/// Respond for a governed call on <c>/mcp</c>: answered in JSON-RPC under the client's id (<see cref="McpToolResultWriter"/>),
/// a call held for approval offered as a URL elicitation where the client accepts one (<see cref="McpApprovalElicitation"/>).
/// A call whose event stream began and that ended without its answer (cancelled, out of time, its server failing mid-call)
/// has its outcome recorded (invoked, not completed) and its refusal written as the stream's last event.
/// </summary>
internal sealed class McpCallResponder(OutcomeRecorder outcomes, McpApprovalElicitation approvalElicitation) : GovernedResponder(outcomes)
{
    protected override Task AnswerAsync(HttpContext context, GatewayRequestFeature feature, GovernedDecision governed) =>
        feature.JsonRpcId is { } id
            ? McpToolResultWriter.WriteDecisionAsync(context, id, feature.Get<DescribedAction>().Body, governed)
            : base.AnswerAsync(context, feature, governed);

    protected override async Task RefuseAsync(HttpContext context, GatewayRequestFeature feature, GovernedDecision governed)
    {
        if (governed.Approval is null)
        {
            await base.RefuseAsync(context, feature, governed).ConfigureAwait(false);
            return;
        }

        var refusal = DecisionResponseWriter.RefusalFor(governed, RecordedDecision.ReceiptOf(context));
        await RefusalResponse.WriteAsync(context, await approvalElicitation.OfferAsync(context, feature.Get<DescribedAction>().Body, refusal, governed).ConfigureAwait(false)).ConfigureAwait(false);
    }

    protected override ValueTask CompleteAsync(HttpContext context, GatewayRequestFeature feature) =>
        context.Response.HasStarted && feature.Find<UpstreamResponse>() is { } response && (response.Refusal ?? OutcomeRecorder.ForwardingFailure(context)) is { } refusal
            ? new ValueTask(EndStreamAsync(context, feature, response, refusal))
            : base.CompleteAsync(context, feature);

    /// <summary>The outcome of a call whose stream began and ended unanswered, recorded (a record that cannot be written is logged: the events have gone out), then the refusal as its last event.</summary>
    private async Task EndStreamAsync(HttpContext context, GatewayRequestFeature feature, UpstreamResponse response, Refusal refusal)
    {
        var plan = feature.Get<ForwardPlan>();
        await Outcomes.RecordStreamedAsync(context, feature, plan, response, OutcomeRecorder.Streamed(feature, plan, response, refusal)).ConfigureAwait(false);
        await RefusalResponse.WriteAsync(context, refusal).ConfigureAwait(false);
    }

    protected override Task WriteResultAsync(HttpContext context, GatewayRequestFeature feature, GovernedDecision governed, UpstreamResponse response, ConnectorResult result) =>
        feature.JsonRpcId is { } id
            ? McpToolResultWriter.WriteResultAsync(context, id, feature.Get<DescribedAction>().Body, governed, result)
            : DecisionResponseWriter.WriteDecisionAsync(context, governed, invoked: true, result.Json, result.StatusCode, WorkspaceResponseMembers.For(feature.Get<DescribedAction>(), governed, response));
}
