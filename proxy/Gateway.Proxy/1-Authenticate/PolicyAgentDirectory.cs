using Gateway.Policy;
using Gateway.Proxy.Bundle;

namespace Gateway.Proxy.Authenticate;

/// <summary>
/// Finds agents and their secrets (or public keys) in the current policy snapshot: during a rotation's window, the current
/// and the next; after its <c>rotation_ends</c>, the next one alone as the current one in effect.
/// </summary>
internal sealed class PolicyAgentDirectory : IAgentDirectory
{
    private readonly PolicyProvider _policy;
    private readonly TimeProvider _time;

    public PolicyAgentDirectory(PolicyProvider policy, TimeProvider time)
    {
        _policy = policy;
        _time = time;
    }

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

        if (snapshot.Secrets.TryGetValue((tenant, agent), out var secrets))
        {
            var (current, next) = secrets.AcceptedAt(_time.GetUtcNow());
            return AgentLookup.Found(current, next);
        }

        if (snapshot.Keys.TryGetValue((tenant, agent), out var keys))
        {
            var (current, next) = keys.AcceptedAt(_time.GetUtcNow());
            return AgentLookup.Found(current, next);
        }

        return AgentLookup.Unknown(AgentLookupStatus.SecretUnresolved);
    }

    public DelegationSettings? DelegationOf(string tenant) =>
        _policy.Current is { } snapshot && snapshot.Set.TryGetTenant(tenant, out var tenantPolicy) && tenantPolicy is not null
            ? tenantPolicy.Register.Delegation
            : null;
}
