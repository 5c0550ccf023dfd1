using Gateway.Connectors.Results;
using Gateway.Proxy.Decide;
using Gateway.Proxy.Describe;
using Gateway.Proxy.Forward;
using Gateway.Proxy.Pipeline;

namespace Gateway.Proxy.Respond;

/// <summary>
/// Respond for the agent protocol's own routes (<c>/v1/evaluate</c>, <c>/v1/actions/*</c>): the decision, and for a call
/// carried out its result, in the gateway's JSON envelope (<see cref="DecisionResponseWriter"/>), with a workspace's
/// members (<see cref="WorkspaceResponseMembers"/>) and <c>truncated: true</c> when the result was cut (an extension
/// member an old client ignores).
/// </summary>
internal sealed class EnvelopeResponder(OutcomeRecorder outcomes) : GovernedResponder(outcomes)
{
    protected override Task WriteResultAsync(HttpContext context, GatewayRequestFeature feature, GovernedDecision governed, UpstreamResponse response, ConnectorResult result)
    {
        var members = WorkspaceResponseMembers.For(feature.Get<DescribedAction>(), governed, response);
        if (result.Truncated)
        {
            var workspace = members;
            members = writer =>
            {
                writer.WriteBoolean("truncated"u8, true);
                workspace?.Invoke(writer);
            };
        }

        return DecisionResponseWriter.WriteDecisionAsync(context, governed, invoked: true, result.Json, result.StatusCode, members);
    }
}
