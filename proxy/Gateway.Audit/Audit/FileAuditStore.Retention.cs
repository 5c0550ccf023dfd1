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

    /// <summary>
    /// Rewrites the tenant's explanations file (<see cref="AuditExplanationFile.Prune"/>) without the explanations no record
    /// in its chains refers to. From the start it notes every digest a group gives (a writer gives each of its group's:
    /// <see cref="DropsUnreferencedExplanations"/>), then reads every chain's records, each file opened under its gate (so a
    /// group that gave a digest before the start has its lines in the file read); a digest noted or read is kept.
    /// </summary>
    public async ValueTask<int> DropUnreferencedExplanationsAsync(string tenant, CancellationToken cancellationToken = default)
    {
        Identifiers.ThrowIfInvalidTenant(tenant);
        var pruning = _explanations.GetOrAdd(tenant, static (t, store) => new AuditExplanationFile(store.ExplanationsPathOf(t), t), this).Pruning;
        await pruning.WaitAsync(cancellationToken);
        try
        {
            if (await EnterExplanationsAsync(tenant, create: false, cancellationToken) is not { } file)
            {
                return 0;
            }

            file.BeginPrune();
            file.Gate.Release();
            var pruned = false;
            try
            {
                var keep = await ReferencedExplanationsAsync(tenant, cancellationToken);
                if (await EnterExplanationsAsync(tenant, create: false, cancellationToken) is not { } again)
                {
                    return 0;
                }

                file = again;
                try
                {
                    pruned = true;
                    return file.Prune(keep, _logger);
                }
                finally
                {
                    file.Gate.Release();
                }
            }
            finally
            {
                if (!pruned && await EnterExplanationsAsync(tenant, create: false, CancellationToken.None) is { } open)
                {
                    open.EndPrune();
                    open.Gate.Release();
                }
            }
        }
        finally
        {
            pruning.Release();
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

    // The explanation digests the tenant's stored records refer to, in every chain on disk or open in this process.
    private async ValueTask<HashSet<AuditExplanationKey>> ReferencedExplanationsAsync(string tenant, CancellationToken cancellationToken)
    {
        var replicas = new SortedSet<string>(await ListReplicasAsync(tenant, cancellationToken), StringComparer.Ordinal);
        replicas.UnionWith(_files.Keys.Where(p => p.Tenant == tenant).Select(static p => p.Replica));
        var keep = new HashSet<AuditExplanationKey>();
        foreach (var replica in replicas)
        {
            await foreach (var line in ReadAsync(new AuditPartition(tenant, replica), 0, cancellationToken))
            {
                if (AuditStoredLine.TimeAndDigest(line).Digest is { } digest)
                {
                    keep.Add(AuditExplanationKey.Of(digest));
                }
            }
        }

        return keep;
    }
}
