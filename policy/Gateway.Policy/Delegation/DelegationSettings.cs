namespace Gateway.Policy;

/// <summary>
/// A tenant's limits on delegated child identities (bundle key <c>delegation</c>): how long a child may live at most
/// (its <c>ttl_seconds</c> defaults to this, and is refused above it) and how many delegations deep a chain may go
/// (1: a registered agent may delegate, its children may not), and how many children a registered agent's chain may be
/// issued per window (<c>issuance_limit</c> per <c>issuance_window</c>: every issuance by the agent or any of its
/// descendants counts against the one registered agent, so delegating never mints identities faster than this).
/// </summary>
public sealed record DelegationSettings
{
    /// <summary>The default maximum time to live of a child (15 minutes).</summary>
    public static readonly TimeSpan DefaultMaxTtl = TimeSpan.FromMinutes(15);

    /// <summary>The most a tenant may set <see cref="MaxTtl"/> to: a child identity is short-lived by design.</summary>
    public static readonly TimeSpan MaxMaxTtl = TimeSpan.FromHours(24);

    /// <summary>The default issuance window (a minute); declared before <see cref="Default"/>, which reads it.</summary>
    public static readonly TimeSpan DefaultIssuanceWindow = TimeSpan.FromMinutes(1);

    /// <summary>The longest a tenant may set <see cref="IssuanceWindow"/> to.</summary>
    public static readonly TimeSpan MaxIssuanceWindow = TimeSpan.FromHours(24);

    /// <summary>The deepest a tenant may set <see cref="MaxDepth"/> to.</summary>
    public const int MaxMaxDepth = 8;

    /// <summary>The default number of children a registered agent's chain may be issued per <see cref="DefaultIssuanceWindow"/>.</summary>
    public const int DefaultIssuanceLimit = 60;

    /// <summary>The most a tenant may set <see cref="IssuanceLimit"/> to.</summary>
    public const int MaxIssuanceLimit = 1_000_000;

    /// <summary>The default: children of at most 15 minutes, one level deep, 60 issued a minute per registered agent.</summary>
    public static DelegationSettings Default { get; } = new();

    /// <summary>The longest a child may live; a grant's <c>ttl_seconds</c> defaults to it.</summary>
    public TimeSpan MaxTtl { get; init; } = DefaultMaxTtl;

    /// <summary>How many delegations deep a chain may go; 0 turns delegation off for the tenant.</summary>
    public int MaxDepth { get; init; } = 1;

    /// <summary>How many children (at any depth) a registered agent's chain may be issued per <see cref="IssuanceWindow"/>.</summary>
    public int IssuanceLimit { get; init; } = DefaultIssuanceLimit;

    /// <summary>The fixed window <see cref="IssuanceLimit"/> counts over.</summary>
    public TimeSpan IssuanceWindow { get; init; } = DefaultIssuanceWindow;
}
