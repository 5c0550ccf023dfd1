using System.Text;
using System.Text.Json;
using Gateway.Policy.Evidence;

namespace Gateway.Audit;

/// <summary>
/// Rebuilds stored decision receipts (<see cref="AuditReceiptBatch"/>): each batch's members' claims made again of their
/// records (<see cref="ReceiptClaims"/>), the batch's tree recomputed and checked against the root it signs
/// (<see cref="ReceiptBatch.TryRebuild"/>), and the exact receipt strings given back, as the agents were given them.
/// A batch whose records are missing or whose rebuilt root differs is an error naming the batch
/// (<see cref="AuditReceiptMismatchException"/>), never a silently wrong receipt; except, on a sink that writes batches
/// apart from their lines (<see cref="IAuditStore.StoresReceiptsApart"/>: the file journal), a batch stored for lines that
/// were never appended (a crash between the sink's two writes), whose receipts no one was given: it is skipped when it
/// names seqs past the chain's tip, or a request its record does not decide (the group written in its place after
/// recovery holds other requests), or when a later batch names its seqs again. A sink that stores batches with their
/// lines in one atomic step never holds such a batch: there each of these is the error. A retirement that takes records from under
/// the read is read again after it (up to <see cref="AuditStoredChain.MaxAttempts"/> times), then
/// <see cref="AuditChainMovedException"/>: the records it took are never read as a batch that does not rebuild.
/// </summary>
internal static class AuditReceiptReader
{
    public static async ValueTask<IReadOnlyList<AuditReceipt>> ReadAsync(IAuditStore store, AuditPartition partition, long fromSeq, long toSeq, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await ReadOnceAsync(store, partition, fromSeq, toSeq, cancellationToken).ConfigureAwait(false);
            }
            catch (AuditChainMovedException) when (attempt < AuditStoredChain.MaxAttempts)
            {
                // The batches and records again, as the retirement left them.
            }
        }
    }

    private static async ValueTask<IReadOnlyList<AuditReceipt>> ReadOnceAsync(IAuditStore store, AuditPartition partition, long fromSeq, long toSeq, CancellationToken cancellationToken)
    {
        var batches = await store.ReadReceiptBatchesAsync(partition, fromSeq, toSeq, cancellationToken).ConfigureAwait(false);
        if (batches.Count == 0)
        {
            return [];
        }

        var tip = await store.GetTipAsync(partition, cancellationToken).ConfigureAwait(false);
        var records = await RecordsAsync(store, partition, batches.Min(static b => b.FirstSeq), batches.Max(static b => b.LastSeq), cancellationToken).ConfigureAwait(false);
        var receipts = new List<AuditReceipt>();
        for (var b = 0; b < batches.Count; b++)
        {
            var batch = batches[b];
            if (batch.LastSeq > tip.Length)
            {
                // Read before the tip: on an atomic sink its lines were appended by then, so past the tip it is no batch of theirs.
                if (store.StoresReceiptsApart)
                {
                    continue;
                }

                throw Mismatch(partition, batch, $"it names record {batch.LastSeq}, past the chain's {tip.Length} records");
            }

            if (Rebuild(batch, records) is not { } issued)
            {
                if (store.StoresReceiptsApart
                    && (IsRewritten(batches, b) || batch.Members.Any(m => records.TryGetValue(m.Seq, out var r) && !Decides(r, m.RequestId))))
                {
                    continue;
                }

                throw Mismatch(partition, batch, batch.Members.FirstOrDefault(m => !records.ContainsKey(m.Seq)) is { RequestId: not null } missing
                    ? $"its record {missing.Seq} is not stored"
                    : batch.Members.FirstOrDefault(m => records.TryGetValue(m.Seq, out var r) && !Decides(r, m.RequestId)) is { RequestId: not null } other
                        ? $"its record {other.Seq} does not decide request {other.RequestId}"
                        : "the claims rebuilt from its records do not lead to the root it signs");
            }

            for (var i = 0; i < issued.Length; i++)
            {
                var member = batch.Members[i];
                if (member.Seq >= fromSeq && member.Seq <= toSeq)
                {
                    receipts.Add(new AuditReceipt(partition.Replica, member.Seq, member.RequestId, issued[i]));
                }
            }
        }

        return receipts;
    }

    // The batch's receipts again, or null when its records are not all there or do not lead to its signed root.
    private static string[]? Rebuild(AuditReceiptBatch batch, Dictionary<long, AuditRecord> records)
    {
        var claims = new List<DecisionReceipt>(batch.Members.Count);
        foreach (var member in batch.Members)
        {
            if (!records.TryGetValue(member.Seq, out var record))
            {
                return null;
            }

            try
            {
                claims.Add(ReceiptClaims.Of(record, member.RequestId, batch.IssuedAt));
            }
            catch (ArgumentException)
            {
                return null;
            }
        }

        return ReceiptBatch.TryRebuild(batch.SignedRoot, claims, batch.IssuedAt, out var issued) ? issued : null;
    }

    private static bool Decides(AuditRecord record, string requestId) =>
        record.Decisions is { } decisions ? decisions.Any(d => d.RequestId == requestId) : record.RequestId == requestId;

    // A batch stored later names one of its seqs again: it was stored for lines that were never appended.
    private static bool IsRewritten(IReadOnlyList<AuditReceiptBatch> batches, int index)
    {
        var seqs = batches[index].Members.Select(static m => m.Seq).ToHashSet();
        for (var later = index + 1; later < batches.Count; later++)
        {
            if (batches[later].Members.Any(m => seqs.Contains(m.Seq)))
            {
                return true;
            }
        }

        return false;
    }

    // The records fromSeq..toSeq by seq, each with its leaf hash (read after the anchor they follow).
    private static async ValueTask<Dictionary<long, AuditRecord>> RecordsAsync(IAuditStore store, AuditPartition partition, long fromSeq, long toSeq, CancellationToken cancellationToken)
    {
        var records = new Dictionary<long, AuditRecord>();
        await using var stored = await AuditStoredChain.OpenAsync(store, partition, Math.Max(1, fromSeq), cancellationToken).ConfigureAwait(false);
        await foreach (var line in stored.ReadAsync().ConfigureAwait(false))
        {
            var bytes = Encoding.UTF8.GetBytes(line);
            var record = JsonSerializer.Deserialize(bytes, AuditJson.AuditRecord);
            if (record is null)
            {
                continue;
            }

            if (record.Seq > toSeq)
            {
                await stored.StopAsync().ConfigureAwait(false);
                break;
            }

            records[record.Seq] = record with { LeafHash = Convert.ToHexStringLower(MerkleTree.LeafHash(bytes)) };
        }

        return records;
    }

    private static AuditReceiptMismatchException Mismatch(AuditPartition partition, AuditReceiptBatch batch, string why) =>
        new($"The receipt batch of chain {partition.Tenant}@{partition.Replica} starting at record {batch.FirstSeq} cannot be rebuilt: {why}.");
}

/// <summary>One decision receipt rebuilt from the journal: the chain's replica, the record's seq, the request and its receipt (as sent in <c>Gamut-Receipt</c>).</summary>
public sealed record AuditReceipt(string Replica, long Seq, string RequestId, string Receipt);

/// <summary>A stored receipt batch that cannot be rebuilt from its records (named in the message): the journal gives no receipt of it.</summary>
public sealed class AuditReceiptMismatchException(string message) : Exception(message);
