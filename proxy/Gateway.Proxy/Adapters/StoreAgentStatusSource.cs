using Gateway.Oversight.Agents;
using Gateway.Proxy.Authentication;

namespace Gateway.Proxy.Adapters;

/// <summary>Reads the kill switches the admin API sets (suspend, revoke secret) from the shared store on every request.</summary>
internal sealed class StoreAgentStatusSource : IAgentStatusSource
{
    private readonly AgentStatusService _status;

    public StoreAgentStatusSource(AgentStatusService status) => _status = status;

    public async ValueTask<AgentRuntimeStatus> GetAsync(string tenant, string agent, CancellationToken cancellationToken)
    {
        var status = await _status.GetAsync(tenant, agent, cancellationToken).ConfigureAwait(false);
        return new AgentRuntimeStatus(status.Suspended, status.SecretRevoked);
    }
}
