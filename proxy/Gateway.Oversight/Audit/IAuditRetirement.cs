namespace Gateway.Oversight.Audit;

/// <summary>
/// A sink that can retire a prefix of a chain (audit retention): only <see cref="AuditRetention"/> calls it,
/// and only after the prefix is exported and fsynced. The sink records the anchor (see
/// <see cref="IAuditStore.GetAnchorAsync"/>) in the same transaction. It retires records only and keeps every
/// stored explanation (<see cref="IAuditStore.GetExplanationAsync"/>), so no kept record is left without its own.
/// </summary>
public interface IAuditRetirement
{
    /// <summary>The tenants that have a chain in the sink (slugs only): the retention job's work list.</summary>
    ValueTask<IReadOnlyList<string>> ListTenantsAsync(CancellationToken cancellationToken = default);

    /// <summary>Retires records 1..<paramref name="throughSeq"/> of the partition; returns how many rows went.</summary>
    ValueTask<long> RetireAsync(AuditPartition partition, long throughSeq, CancellationToken cancellationToken = default);
}
