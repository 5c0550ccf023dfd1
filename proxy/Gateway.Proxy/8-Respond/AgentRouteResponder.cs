using Gateway.Proxy.Admit;
using Gateway.Proxy.Authenticate;
using Gateway.Proxy.Describe;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Record;
using Gateway.Proxy.Refusals;

namespace Gateway.Proxy.Respond;

/// <summary>
/// Respond for the refusals of the messages on <c>/mcp</c> that the MCP server serves itself (recorded first when they say
/// something about the agent, <see cref="Refusal.AuditTool"/>, as <see cref="RespondStage"/> records a refusal made before
/// any decision). Left for <c>Hosting/McpEndpointGate.cs</c> until /mcp is a route kind of its own.
/// </summary>
internal sealed class AgentRouteResponder
{
    private readonly AuditRecorder _audit;

    public AgentRouteResponder(AuditRecorder audit) => _audit = audit;

    /// <summary>
    /// A refusal of a message on <c>/mcp</c>: recorded under its <see cref="Refusal.AuditTool"/> when the agent is known, then
    /// written in JSON-RPC; a refusal before the message was read that keeps its status (a refused <c>Origin</c>) is an
    /// HTTP failure with a JSON-RPC error without id.
    /// </summary>
    public async Task RefuseMcpAsync(HttpContext context, Refusal refusal)
    {
        var feature = context.GatewayRequest();
        if (refusal.AuditTool is { } tool && (feature.Find<Admission>()?.Identity ?? feature.Find<AuthenticatedRequest>()?.Identity) is { } identity)
        {
            await _audit.RecordRefusalAsync(context, identity, tool, refusal.Code, refusal.Status, refusal.ExplanationJson).ConfigureAwait(false);
        }

        await (feature.Find<McpMessage>() is null && refusal.JsonRpcKeepsStatus
            ? RefusalResponse.WriteJsonRpcStatusAsync(context, refusal)
            : RefusalResponse.WriteAsync(context, refusal)).ConfigureAwait(false);
    }
}
