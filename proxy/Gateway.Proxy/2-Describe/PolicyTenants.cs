using Gateway.Proxy.Authenticate;
using Gateway.Policy;
using Gateway.Proxy.Bundle;

namespace Gateway.Proxy.Describe;

/// <summary>The tenant policy in force for a caller, as the describers read it.</summary>
internal static class PolicyTenants
{
    /// <summary>The policy of <paramref name="identity"/>'s tenant, or null when none is loaded.</summary>
    public static TenantPolicy? TenantOf(this PolicyProvider policy, AgentIdentity identity) =>
        policy.Current?.Set is { } set && set.TryGetTenant(identity.Tenant, out var tenant) ? tenant : null;
}
