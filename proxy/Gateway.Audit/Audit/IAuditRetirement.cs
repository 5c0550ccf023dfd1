namespace Gateway.Audit;

/// <summary>
/// A sink that can retire a prefix of a chain (audit retention): only <see cref="AuditRetention"/> calls it,
/// and only after the prefix is exported and fsynced. The sink records the anchor (see
/// <see cref="IAuditStore.GetAnchorAsync"/>) in the same transaction. It keeps every stored explanation
/// (<see cref="IAuditStore.GetExplanationAsync"/>) a kept record refers to, so no kept record is left without its own
/// (the file journal then drops the others: <see cref="DropUnreferencedExplanationsAsync"/>), and the Merkle leaf hash of
/// every record it retires, so the chain's tree stays whole (docs/evidence.md).
/// </summary>
public interface IAuditRetirement
{
    /// <summary>The tenants that have a chain in the sink (slugs only): the retention job's work list.</summary>
    ValueTask<IReadOnlyList<string>> ListTenantsAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Retires records 1..<paramref name="throughSeq"/> of the partition; returns how many rows went. The Merkle leaf
    /// hash of each retired record (SHA-256(0x00 ‖ its line)) is kept, durably no later than the records go
    /// (<see cref="ReadRetiredLeavesAsync(AuditPartition, CancellationToken)"/>).
    /// </summary>
    ValueTask<long> RetireAsync(AuditPartition partition, long throughSeq, CancellationToken cancellationToken = default);

    /// <summary>
    /// Retires as <see cref="RetireAsync(AuditPartition, long, CancellationToken)"/> the records retention checked:
    /// <paramref name="fromSeq"/>..<paramref name="through"/> (the first seq, the last one's seq and hash), and
    /// <paramref name="leavesDigest"/> the SHA-256 of their Merkle leaf hashes concatenated in seq order. Throws
    /// <see cref="InvalidDataException"/>, nothing retired, when a record the sink would retire is no longer the one
    /// checked (edited since). The file and state-store sinks re-read and re-seal the records as they retire (the
    /// default); PostgreSQL compares every stored row with the ones checked, in the retiring transaction.
    /// </summary>
    ValueTask<long> RetireAsync(AuditPartition partition, long fromSeq, AuditTip through, byte[] leavesDigest, CancellationToken cancellationToken = default) =>
        RetireAsync(partition, through.Length, cancellationToken);

    /// <summary>
    /// The kept leaf hashes of the partition's retired records, from seq 1 on in order, as far as they run without a gap
    /// (fewer than the anchor's seq when records were retired before the sink kept their leaves; possibly more, after a
    /// crash between keeping them and retiring the records: only the anchor's first ones count).
    /// </summary>
    ValueTask<IReadOnlyList<byte[]>> ReadRetiredLeavesAsync(AuditPartition partition, CancellationToken cancellationToken = default);

    /// <summary>
    /// Drops the tenant's stored explanations that no record in its chains refers to (after <see cref="AuditRetention"/> has
    /// exported and retired records); returns how many went. The sinks that do not (PostgreSQL, the state store) keep every
    /// one: this default drops nothing.
    /// </summary>
    ValueTask<int> DropUnreferencedExplanationsAsync(string tenant, CancellationToken cancellationToken = default) => ValueTask.FromResult(0);

    /// <summary>
    /// The kept leaf hashes at zero-based indexes <paramref name="from"/>..<paramref name="from"/> + <paramref name="count"/> - 1
    /// (records from+1..from+count) of the run <see cref="ReadRetiredLeavesAsync(AuditPartition, CancellationToken)"/> gives:
    /// fewer when that run ends before. The sinks read only that range (a proof's block, a tree's missing leaves); this
    /// default reads the whole run and takes the range.
    /// </summary>
    async ValueTask<IReadOnlyList<byte[]>> ReadRetiredLeavesAsync(AuditPartition partition, long from, int count, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(from);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var all = await ReadRetiredLeavesAsync(partition, cancellationToken).ConfigureAwait(false);
        return from >= all.Count ? [] : [.. all.Skip((int)from).Take(count)];
    }
}
