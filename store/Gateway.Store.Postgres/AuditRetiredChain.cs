namespace Gateway.Store.Postgres;

/// <summary>
/// What an export holds of one chain (tenant and replica) of a partition being retired: how many records, and the last
/// one's seq and hash (the chain's anchor once the partition is retired).
/// </summary>
public sealed record AuditRetiredChain(string Tenant, string Replica, long Records, long LastSeq, string LastHash);
