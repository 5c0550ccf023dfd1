using Gateway.Policy;

namespace Gateway.Proxy.Authenticate;

/// <summary>
/// What an authenticated identity may use of a tenant's catalog: a registered agent, what its permissions name; a delegated
/// child, what its agent's permissions name now, narrowed by its grant.
/// </summary>
internal static class IdentityPermissions
{
    public static bool Permits(this TenantPolicy tenant, AgentIdentity identity, string catalogName)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        ArgumentNullException.ThrowIfNull(identity);
        return identity.Delegation is { } delegated ? tenant.Permits(delegated.Scope, catalogName) : tenant.Permits(identity.Agent, catalogName);
    }
}
