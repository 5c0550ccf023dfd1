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

    /// <summary>
    /// The secret the agent rotates to: while <see cref="RotationEnds"/> has not passed (or is not set), a signature made
    /// with either secret is accepted; null when no rotation is under way.
    /// </summary>
    public SecretReference? NextSecret { get; init; }

    /// <summary>
    /// The public key the agent signs with (RFC 9421) instead of a runtime secret; an agent has one or the other, never both.
    /// </summary>
    public AgentPublicKey? PublicKey { get; init; }

    /// <summary>
    /// The key the agent rotates to: while <see cref="RotationEnds"/> has not passed (or is not set), a signature made with
    /// either key is accepted; null when no key rotation is under way.
    /// </summary>
    public AgentPublicKey? NextPublicKey { get; init; }

    /// <summary>
    /// When set, the instant after which only <see cref="NextSecret"/> (or <see cref="NextPublicKey"/>) is accepted (it is
    /// then the current one in effect).
    /// </summary>
    public DateTimeOffset? RotationEnds { get; init; }

    public IReadOnlyList<ToolPermission> Permissions { get; init; } = [];

    /// <summary>People's interactive clients that may act as this agent (<c>interactive:</c>); null when none may.</summary>
    public InteractiveAccess? Interactive { get; init; }
}
