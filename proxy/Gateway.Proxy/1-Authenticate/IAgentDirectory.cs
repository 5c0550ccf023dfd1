using Gateway.Oversight.Delegations;

namespace Gateway.Proxy.Authenticate;

/// <summary>
/// Finds the runtime secret of a registered agent. Synchronous and allocation-free on a hit: secrets
/// are resolved when the policy is loaded, not per request.
/// </summary>
public interface IAgentDirectory : IDelegationSettingsSource
{
    AgentLookup Find(string tenant, string workspace, string agent);
}
