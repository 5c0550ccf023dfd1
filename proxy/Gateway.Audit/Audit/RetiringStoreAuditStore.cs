using System.Text;
using Gateway.Policy.Evidence;
using Gateway.Store;

namespace Gateway.Audit;

/// <summary>
/// The state-store sink on the embedded store (<see cref="ILogRetirement"/>): <see cref="StoreAuditStore"/>'s journal, and
/// retention. A retirement first keeps the Merkle leaves of the records it retires on the partition's leaves log
/// (<c>StoreKeys.AuditLeaves</c>, each entry the hex of up to <see cref="LeavesPerEntry"/> leaves, durable before the
/// records go: a crash between leaves more leaves than the anchor, never fewer), then retires the chain's log through the
/// record, leaving its hash as the log's note (the anchor), then the receipt batches that hold only retired records.
/// </summary>
public sealed class RetiringStoreAuditStore : IAdmittingAuditStore, IAuditRetirement
{
    /// <summary>The most leaves one entry of the leaves log holds.</summary>
    public const int LeavesPerEntry = 1024;

    private const int LeafHexLength = RetiredLeavesLog.LeafHexLength;
    private readonly IStateStore _store;
    private readonly ILogRetirement _retirement;
    private readonly StoreAuditStore _journal;
    private readonly RetiredLeavesLog _leaves;

    /// <summary>The journal in <paramref name="store"/>, whose logs <paramref name="retirement"/> retires (the same embedded store).</summary>
    public RetiringStoreAuditStore(IStateStore store, ILogRetirement retirement)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(retirement);
        _store = store;
        _retirement = retirement;
        _journal = new StoreAuditStore(store, retirement);
        _leaves = new RetiredLeavesLog(store);
    }

    public bool KeepsAppendOrder => _journal.KeepsAppendOrder;

    /// <summary>True: each chain's group is sealed, signed and journaled in this process, apart from the other chains'.</summary>
    public bool ChainsAppendSideBySide => true;

    public ValueTask<AuditTip> GetTipAsync(AuditPartition partition, CancellationToken cancellationToken = default) =>
        _journal.GetTipAsync(partition, cancellationToken);

    public ValueTask<bool> TryAppendAsync(AuditPartition partition, long expectedLength, IReadOnlyList<byte[]> lines, string lastHash, IReadOnlyList<AuditExplanation> explanations, IReadOnlyList<AuditReceiptBatch> receipts, CancellationToken cancellationToken = default) =>
        _journal.TryAppendAsync(partition, expectedLength, lines, lastHash, explanations, receipts, cancellationToken);

    public ValueTask<AppendAdmission> TryAppendAdmittingAsync(AuditPartition partition, long expectedLength, IReadOnlyList<byte[]> lines, string lastHash, IReadOnlyList<AuditExplanation> explanations, IReadOnlyList<AuditReceiptBatch> receipts, IReadOnlyList<AdmissionRequest> admissions, IReadOnlyList<BudgetSettle> settles, CancellationToken cancellationToken = default) =>
        _journal.TryAppendAdmittingAsync(partition, expectedLength, lines, lastHash, explanations, receipts, admissions, settles, cancellationToken);

    public ValueTask<IReadOnlyList<AuditReceiptBatch>> ReadReceiptBatchesAsync(AuditPartition partition, long fromSeq, long toSeq, CancellationToken cancellationToken = default) =>
        _journal.ReadReceiptBatchesAsync(partition, fromSeq, toSeq, cancellationToken);

    public ValueTask<string?> GetExplanationAsync(string tenant, string digest, CancellationToken cancellationToken = default) =>
        _journal.GetExplanationAsync(tenant, digest, cancellationToken);

    public IAsyncEnumerable<string> ReadAsync(AuditPartition partition, long start, CancellationToken cancellationToken = default) =>
        _journal.ReadAsync(partition, start, cancellationToken);

    public ValueTask<IReadOnlyList<string>> ListReplicasAsync(string tenant, CancellationToken cancellationToken = default) =>
        _journal.ListReplicasAsync(tenant, cancellationToken);

    public ValueTask<AuditTip> GetAnchorAsync(AuditPartition partition, CancellationToken cancellationToken = default) =>
        _journal.GetAnchorAsync(partition, cancellationToken);

    public ValueTask ProbeAsync(CancellationToken cancellationToken = default) => _journal.ProbeAsync(cancellationToken);

    public async ValueTask<IReadOnlyList<string>> ListTenantsAsync(CancellationToken cancellationToken = default)
    {
        var tenants = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var key in await _retirement.ListKeysAsync(StoreKeys.Prefix, cancellationToken))
        {
            if (StoreKeys.TryParseAuditReplicas(key, out var tenant))
            {
                tenants.Add(tenant);
            }
        }

        return [.. tenants];
    }

    /// <summary>
    /// Keeps the leaves of records anchor+1..<paramref name="throughSeq"/>, then retires them, leaving record
    /// <paramref name="throughSeq"/>'s hash as the anchor; returns how many records went (0 when they already had).
    /// Refuses when the record at <paramref name="throughSeq"/>'s place does not carry that seq (a damaged chain is never
    /// anchored over; verify it first).
    /// </summary>
    public async ValueTask<long> RetireAsync(AuditPartition partition, long throughSeq, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(throughSeq, 1);
        var anchor = await GetAnchorAsync(partition, cancellationToken);
        if (throughSeq <= anchor.Length)
        {
            return 0;
        }

        var log = StoreKeys.AuditLog(partition.Tenant, partition.Replica);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(throughSeq, await _store.LogLengthAsync(log, cancellationToken));
        var leaves = StoreKeys.AuditLeaves(partition.Tenant, partition.Replica);
        var kept = await _leaves.CountAsync(leaves, cancellationToken);
        var last = await KeepLeavesAsync(log, leaves, kept < anchor.Length ? throughSeq : kept, throughSeq, cancellationToken)
            ?? (await _store.ReadLogAsync(log, throughSeq - 1, 1, cancellationToken)).Single();
        await _retirement.RetireLogAsync(log, throughSeq, AuditStoredLine.AnchorHash(last, throughSeq, "log " + log), cancellationToken);
        await RetireReceiptsAsync(StoreKeys.AuditReceipts(partition.Tenant, partition.Replica), throughSeq, cancellationToken);
        return throughSeq - anchor.Length;
    }

    public async ValueTask<IReadOnlyList<byte[]>> ReadRetiredLeavesAsync(AuditPartition partition, CancellationToken cancellationToken = default)
    {
        var leaves = new List<byte[]>();
        await foreach (var entry in StoreAuditStore.ReadLogAsync(_store, StoreKeys.AuditLeaves(partition.Tenant, partition.Replica), 0, cancellationToken))
        {
            for (var at = 0; at + LeafHexLength <= entry.Length; at += LeafHexLength)
            {
                leaves.Add(Convert.FromHexString(entry.AsSpan(at, LeafHexLength)));
            }
        }

        return leaves;
    }

    /// <summary>Leaves <paramref name="from"/>..<paramref name="from"/> + <paramref name="count"/> - 1 kept, read from the entries of the leaves log they lie in.</summary>
    public ValueTask<IReadOnlyList<byte[]>> ReadRetiredLeavesAsync(AuditPartition partition, long from, int count, CancellationToken cancellationToken = default) =>
        _leaves.ReadAsync(StoreKeys.AuditLeaves(partition.Tenant, partition.Replica), from, count, cancellationToken);

    // Appends the leaves of records from+1..through to the leaves log (which holds `from` of them, or more), durably;
    // returns record `through`'s line (null when nothing needed appending).
    private async ValueTask<string?> KeepLeavesAsync(string log, string leaves, long from, long through, CancellationToken cancellationToken)
    {
        if (from >= through)
        {
            return null;
        }

        string? last = null;
        var entries = new List<byte[]>();
        var hex = new StringBuilder(LeavesPerEntry * LeafHexLength);
        var leaf = new byte[32];
        await foreach (var line in StoreAuditStore.ReadLogAsync(_store, log, from, cancellationToken))
        {
            MerkleTree.LeafHash(Encoding.UTF8.GetBytes(line), leaf);
            hex.Append(Convert.ToHexStringLower(leaf));
            if (hex.Length == LeavesPerEntry * LeafHexLength)
            {
                entries.Add(Encoding.UTF8.GetBytes(hex.ToString()));
                hex.Clear();
            }

            if (++from == through)
            {
                last = line;
                break;
            }
        }

        if (hex.Length > 0)
        {
            entries.Add(Encoding.UTF8.GetBytes(hex.ToString()));
        }

        var length = await _store.LogLengthAsync(leaves, cancellationToken);
        if (last is null || !await _store.TryAppendAsync(leaves, length, entries, cancellationToken))
        {
            throw new InvalidDataException($"The audit log {log} changed while the leaves of its retired records were kept; nothing retired.");
        }

        return last;
    }

    // Retires the receipt batches before the first that holds a record after `throughSeq`.
    private async ValueTask RetireReceiptsAsync(string receipts, long throughSeq, CancellationToken cancellationToken)
    {
        var position = (await _retirement.LogStartAsync(receipts, cancellationToken)).Position;
        var through = position;
        await foreach (var entry in StoreAuditStore.ReadLogAsync(_store, receipts, position, cancellationToken))
        {
            if (AuditReceiptBatch.Parse(Encoding.UTF8.GetBytes(entry)).LastSeq > throughSeq)
            {
                break;
            }

            through++;
        }

        await _retirement.RetireLogAsync(receipts, through, null, cancellationToken);
    }
}
