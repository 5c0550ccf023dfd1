namespace Gateway.Audit;

/// <summary>
/// Where journal lines live: one append-only sequence per <see cref="AuditPartition"/> (tenant and
/// replica) with optimistic concurrency. Two implementations: <see cref="StoreAuditStore"/> (the shared
/// state store, every replica) and <see cref="FileAuditStore"/> (one JSON-lines file per partition, one
/// process).
/// </summary>
public interface IAuditStore
{
    /// <summary>The current end of the partition's chain (length and last hash).</summary>
    ValueTask<AuditTip> GetTipAsync(AuditPartition partition, CancellationToken cancellationToken = default);

    /// <summary>
    /// Appends every one of <paramref name="lines"/> (UTF-8, no newline; a group, in order; the last one's hash is
    /// <paramref name="lastHash"/>) durably and all-or-nothing, only when the chain holds exactly
    /// <paramref name="expectedLength"/> records; false when another writer got there first. Completes
    /// only once the lines are durable (one fsync or one store round trip per group). Each of
    /// <paramref name="explanations"/> (the group's records refer to them by digest) is stored for the tenant where
    /// its digest is not stored yet, durably no later than the lines (a stored one is kept as it is). Each of
    /// <paramref name="receipts"/> (the group's signed receipt batches, members in seq order) is stored with the lines,
    /// in the same call, durably no later than them, and only when they are appended.
    /// </summary>
    ValueTask<bool> TryAppendAsync(AuditPartition partition, long expectedLength, IReadOnlyList<byte[]> lines, string lastHash, IReadOnlyList<AuditExplanation> explanations, IReadOnlyList<AuditReceiptBatch> receipts, CancellationToken cancellationToken = default);

    /// <summary>
    /// The stored receipt batches of the partition with a member whose seq is in <paramref name="fromSeq"/> ..
    /// <paramref name="toSeq"/> (inclusive), in the order they were stored. A batch stored for lines that were never
    /// appended (a crash between the two in a sink that writes them apart) may be among them: the caller checks each
    /// against the records (<see cref="AuditReceiptReader"/>).
    /// </summary>
    ValueTask<IReadOnlyList<AuditReceiptBatch>> ReadReceiptBatchesAsync(AuditPartition partition, long fromSeq, long toSeq, CancellationToken cancellationToken = default);

    /// <summary>The explanation of <paramref name="tenant"/> stored under <paramref name="digest"/> (JSON text as stored), or null when there is none.</summary>
    ValueTask<string?> GetExplanationAsync(string tenant, string digest, CancellationToken cancellationToken = default);

    /// <summary>The lines of the partition from zero-based <paramref name="start"/> onwards, in order.</summary>
    IAsyncEnumerable<string> ReadAsync(AuditPartition partition, long start, CancellationToken cancellationToken = default);

    /// <summary>The replicas that hold a chain of <paramref name="tenant"/>, in ordinal order.</summary>
    ValueTask<IReadOnlyList<string>> ListReplicasAsync(string tenant, CancellationToken cancellationToken = default);

    /// <summary>
    /// Where the partition's stored records start: <see cref="AuditTip.Genesis"/>, or after retention the
    /// anchor (the seq and hash of the last retired record), which the first stored record links to.
    /// </summary>
    ValueTask<AuditTip> GetAnchorAsync(AuditPartition partition, CancellationToken cancellationToken = default) => ValueTask.FromResult(AuditTip.Genesis);

    /// <summary>
    /// Whether appends started one after another on a partition reach the sink in that order (one connection to one
    /// server, or an in-process journal that takes each at its call): then a chain may have several groups in flight,
    /// each sealed on the end the one before will leave (<c>Gateway:Audit:GroupsInFlight</c>). False: one at a time.
    /// </summary>
    bool KeepsAppendOrder => false;

    /// <summary>
    /// Whether appends to different chains go on side by side in this process (the embedded store's journal) rather than
    /// queue at one server thread (Redis): only then does an unset <c>Gateway:Audit:ChainsPerReplica</c> grow with the cores
    /// (<see cref="Options.AuditOptions.DefaultChainsPerReplica"/>).
    /// </summary>
    bool ChainsAppendSideBySide => false;

    /// <summary>
    /// Whether the sink writes a group's receipt batches apart from its lines, so that a crash between the two may keep a
    /// batch for lines that were never appended, whose seqs the group written after recovery fills with other records (the
    /// file journal: <see cref="FileAuditStore"/>). Only then does <see cref="AuditReceiptReader"/> skip a batch that does
    /// not rebuild because it is such a batch; a sink that stores batches in the lines' own atomic step (PostgreSQL, the
    /// state store) never holds one, and a batch of it that does not rebuild is an error (409 <c>audit_receipts_mismatch</c>).
    /// </summary>
    bool StoresReceiptsApart => false;

    /// <summary>
    /// Whether retention drops stored explanations no kept record refers to (the file journal: <see cref="FileAuditStore"/>),
    /// so that a digest stored once may be gone later: then a writer gives every group each of its records' explanations,
    /// never leaving out one it stored before, and the sink keeps the first copy of each.
    /// </summary>
    bool DropsUnreferencedExplanations => false;

    /// <summary>Throws when the sink cannot take appends now (directory gone, store unreachable): the readiness probe.</summary>
    ValueTask ProbeAsync(CancellationToken cancellationToken = default);
}
