namespace Gateway.Audit;

/// <summary>
/// The result of walking every chain of a tenant (one per replica). When broken,
/// <see cref="Replica"/> names the first broken chain (in ordinal replica order),
/// <see cref="BrokenAtIndex"/> is the zero-based position of its first bad record and
/// <see cref="Reason"/> one of <see cref="Gateway.Policy.AuditChain.AuditBreakReasons"/>; <see cref="Partitions"/> has every chain's result.
/// </summary>
public sealed record AuditVerification
{
    public required string Tenant { get; init; }

    public required bool Intact { get; init; }

    /// <summary>When intact, the records of every chain; when broken, the good records of the broken chain before the break.</summary>
    public required long Records { get; init; }

    /// <summary>The last good hash of the broken chain, or when intact the tip of the last chain in replica order (genesis when there is none).</summary>
    public required string TipHash { get; init; }

    /// <summary>The replica whose chain is broken (null when intact).</summary>
    public string? Replica { get; init; }

    public long? BrokenAtIndex { get; init; }

    public string? Reason { get; init; }

    public string? Detail { get; init; }

    /// <summary>
    /// Decisions to be carried out that have no outcome record ("outcome unknown": a crash between the answer and the
    /// outcome's append; not a break of the chain).
    /// </summary>
    public long OutcomeUnknown { get; init; }

    /// <summary>The request ids of those decisions, in journal order (the first <see cref="Gateway.Policy.AuditChain.AuditOutcomeTally.MaxListed"/>).</summary>
    public IReadOnlyList<string> OutcomeUnknownRequestIds { get; init; } = [];

    /// <summary>Each chain's own result, in ordinal replica order.</summary>
    public IReadOnlyList<AuditChainVerification> Partitions { get; init; } = [];
}
