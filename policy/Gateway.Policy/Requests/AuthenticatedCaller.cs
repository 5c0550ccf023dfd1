namespace Gateway.Policy;

/// <summary>
/// The caller's identity, the one record of it: tenant, workspace and agent as the gateway authenticated them (signed
/// headers, an RFC 9421 signature or an access token; never the body), the person the agent acts for and a delegated
/// child's grant. The authentication stage holds it with how it was proven (the proxy's <c>AgentIdentity</c>), the access
/// token names it (its OAuth <c>client_id</c> is <c>tenant/workspace/agent</c>), and the policy decides for it.
/// </summary>
public sealed record AuthenticatedCaller(string Tenant, string Workspace, string Agent)
{
    /// <summary>The person the agent acts for, from a verified identity token bound to the request's signature; null when none.</summary>
    public ActingPerson? Person { get; init; }

    /// <summary>
    /// For a delegated child (<see cref="Agent"/> is the child's id): what its grants allow, evaluated against its
    /// registered agent's entry; null for a registered agent.
    /// </summary>
    public DelegationScope? Delegation { get; init; }
}
