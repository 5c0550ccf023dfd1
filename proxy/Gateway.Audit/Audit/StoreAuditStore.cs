using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Gateway.Store;

namespace Gateway.Audit;

/// <summary>
/// The journal in the shared state store: one log per partition under <c>StoreKeys.AuditLog(tenant,
/// replica)</c>, a group appended in one round trip with <see cref="IAuditLogStore.TryAppendAsync(string, long, IReadOnlyList{byte[]}, CancellationToken)"/>
/// at the expected length, and the tenant's replicas listed in a set (<c>StoreKeys.AuditReplicas</c>)
/// that each replica joins once per tenant. The tenant's explanations live in one hash (<c>StoreKeys.AuditExplanations</c>,
/// digest → explanation), each set where absent in the same atomic call as the group that first refers to it. A
/// group's receipt batches (<see cref="AuditReceiptBatch"/>) go in the same atomic call onto the partition's receipts log
/// (<c>StoreKeys.AuditReceipts</c>), one entry per batch in seq order, found by binary search on their seqs. A group may carry
/// its requests' admissions into the same atomic call (<see cref="TryAppendAdmittingAsync"/>). On a store whose logs retire
/// their first entries (<see cref="ILogRetirement"/>: the embedded store, through <see cref="RetiringStoreAuditStore"/>) the
/// chain's anchor is the note its retirement left and reads begin after it.
/// </summary>
public sealed class StoreAuditStore : IAdmittingAuditStore
{
    internal const int PageSize = 256;
    private readonly IStateStore _store;
    private readonly ILogRetirement? _retirement;
    private readonly ConcurrentDictionary<AuditPartition, bool> _registered = new();
    private readonly ConcurrentDictionary<AuditPartition, PartitionKeys> _keys = new();

    /// <summary>The journal in <paramref name="store"/>; <paramref name="retirement"/>: the same store's log retirement, where it has one.</summary>
    public StoreAuditStore(IStateStore store, ILogRetirement? retirement = null)
    {
        _store = store;
        _retirement = retirement;
    }

    /// <summary>True: Redis runs one connection's calls in the order they were sent; the embedded store takes each at its call.</summary>
    public bool KeepsAppendOrder => true;

    public async ValueTask<AuditTip> GetTipAsync(AuditPartition partition, CancellationToken cancellationToken = default)
    {
        var key = StoreKeys.AuditLog(partition.Tenant, partition.Replica);
        var length = await _store.LogLengthAsync(key, cancellationToken);
        if (length == 0)
        {
            return AuditTip.Genesis;
        }

        var last = await _store.ReadLogAsync(key, length - 1, 1, cancellationToken);
        if (last.Count != 1)
        {
            throw new InvalidDataException("The audit log shrank while its tip was read.");
        }

        return AuditStoredLine.TipAt(length, last[0]);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<bool> TryAppendAsync(AuditPartition partition, long expectedLength, IReadOnlyList<byte[]> lines, string lastHash, IReadOnlyList<AuditExplanation> explanations, IReadOnlyList<AuditReceiptBatch> receipts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(explanations);
        ArgumentNullException.ThrowIfNull(receipts);
        await RegisterAsync(partition, cancellationToken);
        var keys = KeysOf(partition);
        var stored = Stored(explanations);
        if (receipts.Count > 0)
        {
            return await _store.TryAppendAsync(
                keys.Log,
                expectedLength,
                lines,
                explanations.Count == 0 ? null : keys.Explanations,
                stored,
                keys.Receipts,
                ReceiptJson(receipts),
                cancellationToken);
        }

        return explanations.Count == 0
            ? await _store.TryAppendAsync(keys.Log, expectedLength, lines, cancellationToken)
            : await _store.TryAppendAsync(keys.Log, expectedLength, lines, keys.Explanations, stored, cancellationToken);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<AppendAdmission> TryAppendAdmittingAsync(AuditPartition partition, long expectedLength, IReadOnlyList<byte[]> lines, string lastHash, IReadOnlyList<AuditExplanation> explanations, IReadOnlyList<AuditReceiptBatch> receipts, IReadOnlyList<AdmissionRequest> admissions, IReadOnlyList<BudgetSettle> settles, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(explanations);
        ArgumentNullException.ThrowIfNull(receipts);
        ArgumentNullException.ThrowIfNull(admissions);
        ArgumentNullException.ThrowIfNull(settles);
        await RegisterAsync(partition, cancellationToken);
        var keys = KeysOf(partition);
        return await _store.TryAppendAdmittingAsync(
            keys.Log,
            expectedLength,
            lines,
            explanations.Count == 0 ? null : keys.Explanations,
            Stored(explanations),
            receipts.Count == 0 ? null : keys.Receipts,
            receipts.Count == 0 ? [] : ReceiptJson(receipts),
            admissions,
            settles,
            cancellationToken);
    }

    // The partition joins the tenant's replica set once (before its first append).
    private async ValueTask RegisterAsync(AuditPartition partition, CancellationToken cancellationToken)
    {
        if (!_registered.ContainsKey(partition))
        {
            await _store.SetAddAsync(StoreKeys.AuditReplicas(partition.Tenant), partition.Replica, null, cancellationToken);
            _registered[partition] = true;
        }
    }

    private static IReadOnlyList<KeyValuePair<string, byte[]>> Stored(IReadOnlyList<AuditExplanation> explanations) =>
        explanations.Count == 0 ? [] : [.. explanations.Select(static e => KeyValuePair.Create(e.Digest, e.Json))];

    // The partition's keys, made once (a handful of partitions per tenant: one per replica).
    private PartitionKeys KeysOf(AuditPartition partition) =>
        _keys.GetOrAdd(partition, static p => new PartitionKeys(
            StoreKeys.AuditLog(p.Tenant, p.Replica), StoreKeys.AuditExplanations(p.Tenant), StoreKeys.AuditReceipts(p.Tenant, p.Replica)));

    private static byte[][] ReceiptJson(IReadOnlyList<AuditReceiptBatch> receipts)
    {
        var json = new byte[receipts.Count][];
        for (var i = 0; i < json.Length; i++)
        {
            json[i] = receipts[i].ToJson();
        }

        return json;
    }

    private sealed record PartitionKeys(string Log, string Explanations, string Receipts);

    public ValueTask<string?> GetExplanationAsync(string tenant, string digest, CancellationToken cancellationToken = default) =>
        _store.HashGetAsync(StoreKeys.AuditExplanations(tenant), digest, cancellationToken);

    public async ValueTask<IReadOnlyList<AuditReceiptBatch>> ReadReceiptBatchesAsync(AuditPartition partition, long fromSeq, long toSeq, CancellationToken cancellationToken = default)
    {
        var key = StoreKeys.AuditReceipts(partition.Tenant, partition.Replica);

        // The first batch whose last member is at or after fromSeq (batches are stored in seq order, the retired ones gone),
        // then on until past toSeq.
        var low = _retirement is null ? 0 : (await _retirement.LogStartAsync(key, cancellationToken)).Position;
        var high = await _store.LogLengthAsync(key, cancellationToken);
        while (low < high)
        {
            var middle = low + ((high - low) / 2);
            if ((await BatchAtAsync(key, middle, cancellationToken)).LastSeq < fromSeq)
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }

        var read = new List<AuditReceiptBatch>();
        await foreach (var entry in ReadLogAsync(_store, key, low, cancellationToken))
        {
            var batch = AuditReceiptBatch.Parse(System.Text.Encoding.UTF8.GetBytes(entry));
            if (batch.FirstSeq > toSeq)
            {
                break;
            }

            if (batch.Members.Any(m => m.Seq >= fromSeq && m.Seq <= toSeq))
            {
                read.Add(batch);
            }
        }

        return read;
    }

    private async ValueTask<AuditReceiptBatch> BatchAtAsync(string key, long position, CancellationToken cancellationToken)
    {
        var entry = await _store.ReadLogAsync(key, position, 1, cancellationToken);
        return entry.Count == 1
            ? AuditReceiptBatch.Parse(System.Text.Encoding.UTF8.GetBytes(entry[0]))
            : throw new InvalidDataException("The receipts log shrank while it was read.");
    }

    public async IAsyncEnumerable<string> ReadAsync(AuditPartition partition, long start, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        // Records retired since the read was placed are skipped: a reader that needs the chain whole sees the gap (AuditStoredChain).
        var anchor = (await GetAnchorAsync(partition, cancellationToken)).Length;
        if (start >= long.MaxValue - anchor)
        {
            // No log reaches that far; and a store may seek one past a position (Redis: stream ids are index + 1).
            yield break;
        }

        var position = start + anchor;
        await foreach (var line in ReadLogAsync(_store, StoreKeys.AuditLog(partition.Tenant, partition.Replica), position, cancellationToken, keptOnly: true))
        {
            yield return line;
        }
    }

    /// <summary>
    /// A log's entries from <paramref name="position"/> to its end, read a page at a time; with <paramref name="keptOnly"/>,
    /// from the log's first kept entry on when those before it were retired since (else that throws).
    /// </summary>
    internal static async IAsyncEnumerable<string> ReadLogAsync(IStateStore store, string key, long position, [EnumeratorCancellation] CancellationToken cancellationToken, bool keptOnly = false)
    {
        while (true)
        {
            IReadOnlyList<string> page;
            try
            {
                page = await store.ReadLogAsync(key, position, PageSize, cancellationToken);
            }
            catch (LogEntriesRetiredException retired) when (keptOnly)
            {
                position = retired.Start;
                continue;
            }

            foreach (var entry in page)
            {
                yield return entry;
            }

            if (page.Count < PageSize)
            {
                yield break;
            }

            position += page.Count;
        }
    }

    /// <summary>Genesis, or after retention the last retired record (<see cref="RetiringStoreAuditStore"/>): its seq and the hash it left as its log's note.</summary>
    public async ValueTask<AuditTip> GetAnchorAsync(AuditPartition partition, CancellationToken cancellationToken = default)
    {
        if (_retirement is null)
        {
            return AuditTip.Genesis;
        }

        var start = await _retirement.LogStartAsync(StoreKeys.AuditLog(partition.Tenant, partition.Replica), cancellationToken);
        return start.Position == 0
            ? AuditTip.Genesis
            : new AuditTip(start.Position, start.Note ?? throw new InvalidDataException("The audit log's retired records left no anchor hash."));
    }

    public async ValueTask<IReadOnlyList<string>> ListReplicasAsync(string tenant, CancellationToken cancellationToken = default) =>
        await _store.SetMembersAsync(StoreKeys.AuditReplicas(tenant), cancellationToken);

    public ValueTask ProbeAsync(CancellationToken cancellationToken = default) => _store.PingAsync(cancellationToken);
}
