using Gateway.Store;

namespace Gateway.Audit;

public sealed partial class FileAuditStore
{
    /// <summary>
    /// Rewrites the partition's file as the anchor line of record <paramref name="throughSeq"/> followed by the
    /// records after it (written beside the file, fsynced, renamed over it, the directory fsynced); returns how
    /// many records went (0 when they already had). Refuses when the record at <paramref name="throughSeq"/>'s
    /// place does not carry that seq (a damaged chain is never anchored over; verify it first).
    /// </summary>
    public async ValueTask<long> RetireAsync(AuditPartition partition, long throughSeq, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(throughSeq, 1);
        var file = await EnterAsync(partition, cancellationToken);
        try
        {
            if (file.Damage is { } damage)
            {
                throw damage.Exception();
            }

            if (throughSeq <= file.Anchor.Length)
            {
                return 0;
            }

            ArgumentOutOfRangeException.ThrowIfGreaterThan(throughSeq, file.Length);
            AuditFileLeaves.Keep(file, throughSeq);
            var retired = AuditFileRetirement.Rewrite(partition, file, throughSeq);
            AuditFileReceipts.Retire(file.Path, throughSeq);
            file.Close();
            AuditFileRecovery.Recover(partition, file, _logger);
            DurableRename.SyncDirectory(_directory);
            return retired;
        }
        finally
        {
            file.Gate.Release();
        }
    }

    /// <summary>The stored receipt batches of the partition (<see cref="AuditFileReceipts"/>) with a member in the seq range, read under its gate.</summary>
    public async ValueTask<IReadOnlyList<AuditReceiptBatch>> ReadReceiptBatchesAsync(AuditPartition partition, long fromSeq, long toSeq, CancellationToken cancellationToken = default)
    {
        var file = await EnterAsync(partition, cancellationToken);
        try
        {
            return AuditFileReceipts.Read(file.Path, fromSeq, toSeq);
        }
        finally
        {
            file.Gate.Release();
        }
    }

    /// <summary>The leaves file beside the partition's journal (<see cref="AuditFileLeaves"/>), read under its gate.</summary>
    public async ValueTask<IReadOnlyList<byte[]>> ReadRetiredLeavesAsync(AuditPartition partition, CancellationToken cancellationToken = default)
    {
        var file = await EnterAsync(partition, cancellationToken);
        try
        {
            return AuditFileLeaves.Read(file.Path);
        }
        finally
        {
            file.Gate.Release();
        }
    }

    /// <summary>Leaves <paramref name="from"/>..<paramref name="from"/> + <paramref name="count"/> - 1 of the leaves file, only those read, under its gate.</summary>
    public async ValueTask<IReadOnlyList<byte[]>> ReadRetiredLeavesAsync(AuditPartition partition, long from, int count, CancellationToken cancellationToken = default)
    {
        var file = await EnterAsync(partition, cancellationToken);
        try
        {
            return AuditFileLeaves.Read(file.Path, from, count);
        }
        finally
        {
            file.Gate.Release();
        }
    }
}
