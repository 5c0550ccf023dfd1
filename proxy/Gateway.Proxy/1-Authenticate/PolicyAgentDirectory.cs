using Gateway.Proxy.Bundle;

namespace Gateway.Proxy.Authenticate;

/// <summary>Finds agents and their secrets in the current policy snapshot.</summary>
internal sealed class PolicyAgentDirectory : IAgentDirectory
{
    private readonly PolicyProvider _policy;

    public PolicyAgentDirectory(PolicyProvider policy) => _policy = policy;

    public AgentLookup Find(string tenant, string workspace, string agent)
    {
        var snapshot = _policy.Current;
        if (snapshot is null)
        {
            return AgentLookup.Unknown(AgentLookupStatus.SecretUnavailable);
        }

        if (!snapshot.Set.TryGetTenant(tenant, out var tenantPolicy) || tenantPolicy is null)
        {
            return AgentLookup.Unknown(AgentLookupStatus.UnknownTenant);
        }

        if (!tenantPolicy.HasWorkspace(workspace))
        {
            return AgentLookup.Unknown(AgentLookupStatus.UnknownWorkspace);
        }

        if (!tenantPolicy.TryGetAgent(agent, out _))
        {
            return AgentLookup.Unknown(AgentLookupStatus.UnknownAgent);
        }

        return snapshot.Secrets.TryGetValue((tenant, agent), out var secret)
            ? AgentLookup.Found(secret)
            : AgentLookup.Unknown(AgentLookupStatus.SecretUnresolved);
    }
}
