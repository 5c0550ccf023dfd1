using Gateway.Policy;
using Gateway.Proxy.Authenticate;
using Gateway.Proxy.Bundle;
using Gateway.Proxy.Mcp;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Refusals;

namespace Gateway.Proxy.Admit;

/// <summary>
/// Admit for the messages on <c>/mcp</c> that the MCP server serves itself: the request's one store call
/// (<see cref="AdmissionGate"/>: the nonce stored if absent, the agent's kill switches read, the rate limits counted under
/// <see cref="McpEndpoint.AuditTool"/>). Left for <c>Hosting/McpEndpointGate.cs</c> until /mcp is a route kind of its own.
/// </summary>
internal sealed class AgentRouteAdmission
{
    private readonly AdmissionGate _gate;
    private readonly PolicyProvider _policy;

    public AgentRouteAdmission(AdmissionGate gate, PolicyProvider policy)
    {
        _gate = gate;
        _policy = policy;
    }

    /// <summary>
    /// Admits a message on <c>/mcp</c> that the MCP server serves itself (not a governed call): null when admitted (its
    /// <see cref="Admission"/> added), else the refusal, recorded under <see cref="McpEndpoint.AuditTool"/>.
    /// </summary>
    public async ValueTask<Refusal?> AdmitMcpMessageAsync(HttpContext context, AgentIdentity identity)
    {
        var admission = await _gate.AdmitAsync(Tenant(identity), identity, McpEndpoint.AuditTool, context.RequestAborted).ConfigureAwait(false);
        if (admission.Verdict != AdmissionVerdict.Admitted)
        {
            return AdmissionRefusal.For(admission, McpEndpoint.AuditTool) with { AuditTool = McpEndpoint.AuditTool };
        }

        context.GatewayRequest().Add(admission);
        return null;
    }

    private TenantPolicy? Tenant(AgentIdentity identity) =>
        _policy.Current?.Set is { } set && set.TryGetTenant(identity.Tenant, out var tenant) ? tenant : null;
}
