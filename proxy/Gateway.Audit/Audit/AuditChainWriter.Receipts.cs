using Gateway.Policy.Evidence;

namespace Gateway.Audit;

internal sealed partial class AuditChainWriter
{
    // The receipts the group's appends asked for, their claims made of each sealed record (ReceiptClaims), signed in one
    // batch (or one batch each when batching is off, to measure it), the batches to store in <batches> (the group's
    // Batches, or its Apart when signed in flight); an error when they could not be: then nothing of the group is written
    // (signed in flight: its appends that asked for one fail).
    private ReceiptSigningException? SignReceipts(Group group, List<AuditReceiptBatch> batches)
    {
        var records = group.Records;
        var asked = group.Asked;
        asked.Clear();
        batches.Clear();
        try
        {
            var now = _time.GetUtcNow().ToUnixTimeSeconds();
            foreach (var (pendings, record, _) in records)
            {
                foreach (var pending in pendings)
                {
                    if (pending.Receipt)
                    {
                        var requestId = pending.Entry.RequestId ?? throw new ArgumentException("A receipt names its request: the entry has no request id.");
                        asked.Add((pending, new AuditReceiptMember(record.Seq, requestId), ReceiptClaims.Of(record, requestId, now)));
                    }
                }
            }

            if (asked.Count == 0)
            {
                return null;
            }

            var started = _time.GetTimestamp();
            var key = _receiptKeys.Active;
            var size = _batchReceipts ? asked.Count : 1;
            for (var first = 0; first < asked.Count; first += size)
            {
                var claims = new DecisionReceipt[size];
                var members = new AuditReceiptMember[size];
                for (var i = 0; i < size; i++)
                {
                    claims[i] = asked[first + i].Claims;
                    members[i] = asked[first + i].Member;
                }

                var signed = ReceiptBatch.Sign(claims, key, now, out var signedRoot);
                for (var i = 0; i < signed.Length; i++)
                {
                    asked[first + i].Pending.Issued = signed[i];
                }

                batches.Add(new AuditReceiptBatch(signedRoot, now, members));
            }

            _metrics.ReceiptsSigned(asked.Count, _batchReceipts, _time.GetElapsedTime(started));
            return null;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            batches.Clear();
            AuditLog.ReceiptSigningFailed(_logger, ex, _partition.Tenant);
            return new ReceiptSigningException("The decision's receipt could not be signed.", ex);
        }
    }

    // Receipts that could not be signed fail the whole group before anything is written: the appends that asked for one
    // with the signing failure (their requests are refused), the others as a write that failed (they join the backlog).
    private static void FailUnsigned(List<Pending> group, ReceiptSigningException error)
    {
        var unwritten = new AuditWriteException("The audit group was not written: its receipts could not be signed.", error);
        foreach (var pending in group)
        {
            pending.Fail(pending.Receipt ? error : unwritten);
        }
    }
}
