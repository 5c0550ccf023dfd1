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
}
