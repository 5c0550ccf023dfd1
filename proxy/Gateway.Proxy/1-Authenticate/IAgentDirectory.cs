using Gateway.Policy;

namespace Gateway.Proxy.Authenticate;

/// <summary>
/// Finds the runtime secret of a registered agent. Synchronous and allocation-free on a hit: secrets
/// are resolved when the policy is loaded, not per request.
/// </summary>
public interface IAgentDirectory
{
    AgentLookup Find(string tenant, string workspace, string agent);

    /// <summary>The tenant's delegation settings in the policy in force (which bind the children already issued); null when no policy names the tenant.</summary>
    DelegationSettings? DelegationOf(string tenant);
}
