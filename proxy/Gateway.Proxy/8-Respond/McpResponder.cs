using Gateway.Proxy.Decide;
using Gateway.Proxy.Describe;
using Gateway.Proxy.Forward;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Record;
using Gateway.Proxy.Refusals;

namespace Gateway.Proxy.Respond;

/// <summary>
/// Respond for <c>/mcp</c> (route kind <see cref="Mcp.McpEndpoint.RouteKind"/>). A message the gateway served itself is
/// answered with what its destination answered (<see cref="LocalAnswer"/>), or was answered by the MCP server's own
/// stream already. A governed call that policy answers is answered as a tool result (<see cref="McpToolResultWriter"/>);
/// one it refuses is a JSON-RPC error, a refusal held for approval offered as a URL elicitation where the client accepts
/// one (<see cref="McpApprovalElicitation"/>). A governed call carried out is answered once its server answered (it is on
/// its connector's route by then).
/// </summary>
internal sealed class McpResponder : IRouteResponder
{
    private static readonly LocalAnswerResponder LocalAnswers = new();

    private readonly McpApprovalElicitation _approvalElicitation;

    public McpResponder(McpApprovalElicitation approvalElicitation) => _approvalElicitation = approvalElicitation;

    public ValueTask RespondAsync(HttpContext context, GatewayRequestFeature feature)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(feature);
        if (feature.Find<LocalAction>() is not null)
        {
            // The MCP server's own answer has gone out as it wrote it (a JSON body or an event stream).
            return feature.Find<LocalAnswer>() is null ? ValueTask.CompletedTask : LocalAnswers.RespondAsync(context, feature);
        }

        var call = feature.Get<DescribedAction>().Body;
        var governed = feature.Get<GovernedDecision>();
        return feature.Get<RecordedDecision>().Disposition switch
        {
            DecisionDisposition.Answer when feature.JsonRpcId is { } id => new ValueTask(McpToolResultWriter.WriteDecisionAsync(context, id, call, governed)),
            DecisionDisposition.Refuse when governed.Approval is not null => new ValueTask(RefuseHeldAsync(context, call, governed)),
            DecisionDisposition.Refuse => new ValueTask(RefusalResponse.WriteAsync(context, DecisionResponseWriter.RefusalFor(governed, RecordedDecision.ReceiptOf(context)))),
            _ => Unanswerable(feature),
        };
    }

    /// <summary>Nothing here answers it (a stage ran out of order): a refusal the stage writes.</summary>
    private static ValueTask Unanswerable(GatewayRequestFeature feature)
    {
        feature.Add(Refusal.Internal());
        return ValueTask.CompletedTask;
    }

    /// <summary>A governed call held for approval: offered as a URL elicitation where the client accepts one.</summary>
    private async Task RefuseHeldAsync(HttpContext context, System.Text.Json.JsonElement call, GovernedDecision governed) =>
        await RefusalResponse.WriteAsync(context, await _approvalElicitation.OfferAsync(context, call, DecisionResponseWriter.RefusalFor(governed, RecordedDecision.ReceiptOf(context)), governed).ConfigureAwait(false)).ConfigureAwait(false);
}
