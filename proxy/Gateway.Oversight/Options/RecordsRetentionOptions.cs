namespace Gateway.Oversight.Options;

/// <summary>
/// Retention of the records in PostgreSQL by age (<c>Gateway:Records:Retention</c>), off by default: approvals
/// past their horizon (expiry + warrant TTL) and decided more than <see cref="MaxAge"/> ago with their votes,
/// warrant uses of removed approvals, and delivered notifications older than <see cref="MaxAge"/> are removed
/// (migration 0015). Incidents, pending and failed notifications stay. See docs/operations.md.
/// </summary>
public sealed record RecordsRetentionOptions
{
    /// <summary>How long removable records stay; null: off.</summary>
    public TimeSpan? MaxAge { get; init; }

    /// <summary>How often the retention job runs.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromHours(1);
}
