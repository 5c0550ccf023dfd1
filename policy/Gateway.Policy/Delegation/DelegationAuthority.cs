namespace Gateway.Policy;

/// <summary>
/// What an agent may hand on, as it stands now: a registered agent's bundle entry, or a delegated child's entry narrowed
/// by its grants; a child's grant is checked against it (<see cref="DelegationCheck"/>).
/// </summary>
/// <param name="Agent">The registered agent at the root of the chain.</param>
/// <param name="Permissions">The tools and action types held now.</param>
/// <param name="AtfLevel">The ATF level held now; null when the register assigns none (nothing can then be granted a level).</param>
/// <param name="DataClassCeiling">The most sensitive class it may touch (top_secret for a registered agent).</param>
/// <param name="ExpiresAt">When it stops existing (a child's expiry); null for a registered agent.</param>
/// <param name="Depth">Delegations between it and its registered agent (0 for the agent itself).</param>
/// <param name="MayDelegate">False for a child whose grant did not allow it to delegate further.</param>
public sealed record DelegationAuthority(
    string Agent,
    IReadOnlyList<ToolPermission> Permissions,
    AtfLevel? AtfLevel,
    DataClass DataClassCeiling,
    DateTimeOffset? ExpiresAt,
    int Depth,
    bool MayDelegate)
{
    /// <summary>
    /// The authority of <paramref name="agent"/> in <paramref name="tenant"/> now: a registered agent's own entry, or, with
    /// <paramref name="scope"/>, a child's entry narrowed by it (<paramref name="expiresAt"/>, <paramref name="depth"/> and
    /// <paramref name="mayDelegate"/> from its stored grant). Null when the registered agent is not in the register.
    /// </summary>
    public static DelegationAuthority? Of(TenantPolicy tenant, string agent, DelegationScope? scope = null, DateTimeOffset? expiresAt = null, int depth = 0, bool mayDelegate = true)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        var index = scope is null ? tenant.FindAgent(agent) : tenant.FindDelegate(agent, scope);
        if (index is null)
        {
            return null;
        }

        return new DelegationAuthority(
            scope?.Agent ?? agent,
            index.Record.Permissions,
            index.Record.AtfLevel,
            scope?.DataClassCeiling ?? DelegationCeilings.Unbounded,
            expiresAt,
            depth,
            scope is null || mayDelegate);
    }
}
