using System.Text;
using System.Text.Json;
using Gateway.Policy.Evidence;

namespace Gateway.Oversight.Audit;

/// <summary>
/// Rebuilds stored decision receipts (<see cref="AuditReceiptBatch"/>): each batch's members' claims made again of their
/// records (<see cref="ReceiptClaims"/>), the batch's tree recomputed and checked against the root it signs
/// (<see cref="ReceiptBatch.TryRebuild"/>), and the exact receipt strings given back, as the agents were given them.
/// A batch whose records are missing or whose rebuilt root differs is an error naming the batch
/// (<see cref="AuditReceiptMismatchException"/>), never a silently wrong receipt.
/// </summary>
internal static class AuditReceiptReader
{
    public static async ValueTask<IReadOnlyList<AuditReceipt>> ReadAsync(IAuditStore store, AuditPartition partition, long fromSeq, long toSeq, CancellationToken cancellationToken)
    {
        var batches = await store.ReadReceiptBatchesAsync(partition, fromSeq, toSeq, cancellationToken).ConfigureAwait(false);
        if (batches.Count == 0)
        {
            return [];
        }

        var records = await RecordsAsync(store, partition, batches.Min(static b => b.FirstSeq), batches.Max(static b => b.LastSeq), cancellationToken).ConfigureAwait(false);
        var receipts = new List<AuditReceipt>();
        foreach (var batch in batches)
        {
            var claims = new List<DecisionReceipt>(batch.Members.Count);
            foreach (var member in batch.Members)
            {
                if (!records.TryGetValue(member.Seq, out var record))
                {
                    throw Mismatch(partition, batch, $"its record {member.Seq} is not stored (retired, or never appended)");
                }

                try
                {
                    claims.Add(ReceiptClaims.Of(record, member.RequestId, batch.IssuedAt));
                }
                catch (ArgumentException)
                {
                    throw Mismatch(partition, batch, $"record {member.Seq} does not decide request '{member.RequestId}'");
                }
            }

            if (!ReceiptBatch.TryRebuild(batch.SignedRoot, claims, batch.IssuedAt, out var issued))
            {
                throw Mismatch(partition, batch, "the claims rebuilt from its records do not lead to the root it signs");
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

    // The records fromSeq..toSeq by seq, each with its leaf hash (read by position after the anchor).
    private static async ValueTask<Dictionary<long, AuditRecord>> RecordsAsync(IAuditStore store, AuditPartition partition, long fromSeq, long toSeq, CancellationToken cancellationToken)
    {
        var anchor = await store.GetAnchorAsync(partition, cancellationToken).ConfigureAwait(false);
        var records = new Dictionary<long, AuditRecord>();
        var start = Math.Max(0, fromSeq - 1 - anchor.Length);
        await foreach (var line in store.ReadAsync(partition, start, cancellationToken).ConfigureAwait(false))
        {
            var bytes = Encoding.UTF8.GetBytes(line);
            var record = JsonSerializer.Deserialize(bytes, OversightJson.AuditRecord);
            if (record is null)
            {
                continue;
            }

            if (record.Seq > toSeq)
            {
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
