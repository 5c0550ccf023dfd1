namespace Gateway.Store.Postgres;

/// <summary>One stored record of a partition being exported: its chain (tenant, replica), seq and hash, and its line as stored.</summary>
public readonly record struct AuditPartitionRecord(string Tenant, string Replica, long Seq, string Hash, string Line);
