namespace Gateway.Policy;

/// <summary>An agent in the governance register.</summary>
public sealed record AgentRecord
{
    public required string Id { get; init; }

    public string? Name { get; init; }

    public AgentLifecycle Lifecycle { get; init; } = AgentLifecycle.Active;

    public string? HumanOwner { get; init; }

    public string? SecurityOwner { get; init; }

    /// <summary>Null when no level is assigned (control 5 fails, critical).</summary>
    public AtfLevel? AtfLevel { get; init; }

    public RiskTier RiskTier { get; init; } = RiskTier.Low;

    public Playbooks Playbooks { get; init; }

    /// <summary>The runtime secret the host verifies request signatures with.</summary>
    public SecretReference? Secret { get; init; }

    public IReadOnlyList<ToolPermission> Permissions { get; init; } = [];
}
