namespace Gateway.Oversight.Options;

/// <summary>The records kept in PostgreSQL: approvals, warrant uses, incidents and their notifications (<c>Gateway:Records</c>).</summary>
public sealed record RecordsOptions
{
    /// <summary><c>Gateway:Records:Retention</c>: remove old records by age (off by default).</summary>
    public RecordsRetentionOptions Retention { get; init; } = new();
}
