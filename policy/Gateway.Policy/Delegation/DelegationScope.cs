namespace Gateway.Policy;

/// <summary>
/// What a delegated child may do, as its chain of grants narrowed it: the decision engine evaluates the child against
/// its registered agent's entry <em>as the bundle has it now</em>, narrowed by this scope (tool permissions ∩ the
/// grant's, the lower ATF level, the data-class ceiling). Removing a permission from the agent in the bundle therefore
/// removes it from every child at once; nothing here can widen the agent.
/// </summary>
public sealed record DelegationScope
{
    /// <summary>The registered agent whose entry the child narrows (the root of its chain).</summary>
    public required string Agent { get; init; }

    /// <summary>The child's display name, as its parent gave it.</summary>
    public string? Name { get; init; }

    /// <summary>The tools granted, each with the action types granted on it (already the intersection along the chain).</summary>
    public required IReadOnlyList<ToolPermission> Permissions { get; init; }

    /// <summary>The highest ATF level granted; the child runs at the lower of this and its agent's level now.</summary>
    public required AtfLevel AtfLevel { get; init; }

    /// <summary>The most sensitive data class granted: a request touching a class above it fails data movement (critical).</summary>
    public required DataClass DataClassCeiling { get; init; }

    /// <summary>The classes at or below <see cref="DataClassCeiling"/>, in the order public &lt; internal &lt; confidential &lt; pii &lt; restricted &lt; top_secret.</summary>
    public DataClassSet AllowedDataClasses => DelegationCeilings.AtOrBelow(DataClassCeiling);
}
