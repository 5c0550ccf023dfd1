namespace Gateway.Oversight.Audit;

/// <summary>
/// The result of walking a tenant's chain. When broken, <see cref="BrokenAtIndex"/> is the zero-based
/// position of the first bad record and <see cref="Reason"/> one of <see cref="AuditBreakReasons"/>.
/// </summary>
public sealed record AuditVerification
{
    public required string Tenant { get; init; }

    public required bool Intact { get; init; }

    /// <summary>Records checked (all of them when intact).</summary>
    public required long Records { get; init; }

    /// <summary>The last good hash (the tip when intact).</summary>
    public required string TipHash { get; init; }

    public long? BrokenAtIndex { get; init; }

    public string? Reason { get; init; }

    public string? Detail { get; init; }
}
