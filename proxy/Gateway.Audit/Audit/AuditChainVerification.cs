namespace Gateway.Audit;

/// <summary>One replica's chain of a tenant, walked from genesis; see <see cref="AuditVerification"/>.</summary>
public sealed record AuditChainVerification
{
    public required string Replica { get; init; }

    public required bool Intact { get; init; }

    public required long Records { get; init; }

    public required string TipHash { get; init; }

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
}
