namespace Gateway.Store.Postgres;

/// <summary>
/// One partition of the audit journal (migration 0030): the records stored (<c>stored_at</c>, the database's time) from
/// <see cref="Lower"/> (null: from the start, the table the journal was before it was partitioned) until
/// <see cref="Upper"/>, one UTC day each.
/// </summary>
public sealed record AuditJournalPartition(string Name, DateTimeOffset? Lower, DateTimeOffset Upper);
