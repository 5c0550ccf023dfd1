namespace Gateway.Policy;

/// <summary>Tenant, workspace and agent from the authenticated request headers (never from the body).</summary>
public readonly record struct AuthenticatedCaller(string Tenant, string Workspace, string Agent)
{
    /// <summary>The person the agent acts for, from a verified identity token bound to the request's signature; null when none.</summary>
    public ActingPerson? Person { get; init; }

    /// <summary>
    /// For a delegated child (<see cref="Agent"/> is the child's id): what its grants allow, evaluated against its
    /// registered agent's entry; null for a registered agent.
    /// </summary>
    public DelegationScope? Delegation { get; init; }
}
