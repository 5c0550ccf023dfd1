using Gateway.Policy;
using Gateway.Proxy.Authenticate;

namespace Gateway.Proxy.Admit;

/// <summary>The caller as the policy describes and decides it: tenant, workspace, agent, the person acted for, a delegated child's grant.</summary>
internal static class PolicyCaller
{
    public static AuthenticatedCaller Of(AgentIdentity identity) =>
        new(identity.Tenant, identity.Workspace, identity.Agent) { Person = identity.Person, Delegation = identity.Delegation?.Scope };
}
