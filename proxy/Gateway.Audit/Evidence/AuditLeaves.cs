using System.Collections.Concurrent;
using System.Text;
using Gateway.Policy.AuditChain;
using Gateway.Policy.Evidence;

namespace Gateway.Audit.Evidence;

/// <summary>
/// Each chain partition's Merkle tree as this replica has read it, in memory that grows by one hash per
/// <see cref="BlockSize"/> records: leaf <c>i</c> is SHA-256(0x00 ‖ the line of the record with seq <c>i + 1</c>), the
/// line exactly as the sink stores it (the record's canonical JSON with its <c>hash</c>). The leaves are derived from the
/// sink's lines, which are the log; never by position alone, nor over a line the hash chain does not hold: a line that is
/// not the next link (its seq, its <c>prev_hash</c>, its own <c>hash</c>: <see cref="AuditChainLink"/>) stops the read
/// there (<see cref="AuditTreeView.Break"/>), so a hole in the chain or an edited line is not hashed over. This replica keeps, per partition, the head of every complete block of
/// <see cref="BlockSize"/> leaves and the leaves after the last complete block; the journal tells it the leaves of the
/// records this process appends (<see cref="Appended"/>), and each read hashes only the lines appended since that it was
/// not told of (<see cref="IAuditStore.ReadAsync"/> from the count it holds: another process's, or after a restart). A checkpoint of the whole tree is computed from
/// those alone. A proof that goes inside a complete block reads that block's lines again (<see cref="ReadAsync"/>'s
/// <c>leaves</c>: at most two blocks) and checks they hash to the head it kept. Records retired (retention) before this
/// process read them count by the leaf hashes the sink kept when it retired them
/// (<see cref="IAuditRetirement.ReadRetiredLeavesAsync(AuditPartition, long, int, CancellationToken)"/>, only the range needed); a partition retired before its sink kept leaves has no
/// complete tree here (<see cref="AuditTreeIncompleteException"/>).
/// </summary>
public sealed class AuditLeaves
{
    /// <summary>Leaves per kept block head: 1,024 records cost 32 bytes here, and a proof reads at most 2,048 lines.</summary>
    public const int DefaultBlockSize = 1024;

    private readonly IAuditStore _store;
    private readonly ConcurrentDictionary<AuditPartition, AuditTreeState> _partitions = new();

    public AuditLeaves(IAuditStore store, int blockSize = DefaultBlockSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(blockSize, 2);
        if (!int.IsPow2(blockSize))
        {
            throw new ArgumentOutOfRangeException(nameof(blockSize), "A block is a complete subtree: its size is a power of two.");
        }

        _store = store;
        BlockSize = blockSize;
    }

    /// <summary>Leaves per kept block head (a power of two).</summary>
    public int BlockSize { get; }

    /// <summary>
    /// The partition's tree as the sink holds it now, able to give any subtree head of proofs about the leaves at
    /// <paramref name="leaves"/> (zero-based indexes: the leaf proved, the last leaf of each tree size involved).
    /// </summary>
    public async ValueTask<AuditTreeView> ReadAsync(AuditPartition partition, IReadOnlyCollection<long> leaves, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(leaves);
        var state = State(partition);
        await state.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // What the journal told of while the gate was held first, so that the sink is read only for what it did not.
            state.TakeWaiting();
            var anchor = await CatchUpAsync(partition, state, cancellationToken).ConfigureAwait(false);
            state.TakeWaiting();
            var blocks = new Dictionary<long, IReadOnlyList<byte[]>>();
            foreach (var leaf in leaves)
            {
                var block = leaf / BlockSize;
                if (leaf >= 0 && leaf < state.Count && block < state.BlockRoots.Count && !blocks.ContainsKey(block))
                {
                    blocks[block] = await ReadBlockAsync(partition, state, block, anchor, cancellationToken).ConfigureAwait(false);
                }
            }

            return new AuditTreeView(BlockSize, state.Count, [.. state.BlockRoots], [.. state.Tail], blocks) { Break = state.Break };
        }
        finally
        {
            state.Gate.Release();
        }
    }

    /// <summary>
    /// Leaves this process has just appended to the partition (hex, in chain order, from seq <paramref name="firstSeq"/>; the
    /// last one's record hashing to <paramref name="lastHash"/>, which the next line read from the sink must link to),
    /// told by the journal once they are durable: taken as the tree's next leaves without reading their lines back. While a
    /// read holds the tree they wait for it (at most <see cref="MaxWaitingLeaves"/>; more are left to the sink). Leaves that
    /// do not follow the tree's last one (a gap: leaves past that bound) start one read of the sink for the gap at once, so
    /// that the tree is not left behind until the next checkpoint reads everything appended since. Never waits: the
    /// journal's writer calls it.
    /// </summary>
    public void Appended(AuditPartition partition, long firstSeq, IReadOnlyList<string> leafHashes, string? lastHash = null)
    {
        ArgumentNullException.ThrowIfNull(leafHashes);
        var state = State(partition);
        var leaves = new byte[leafHashes.Count][];
        for (var i = 0; i < leaves.Length; i++)
        {
            leaves[i] = Convert.FromHexString(leafHashes[i]);
        }

        if (!state.Gate.Wait(0))
        {
            // A read holds the tree: these wait for it (the read, or the next append, takes them).
            if (Interlocked.Add(ref state.WaitingLeaves, leaves.Length) <= MaxWaitingLeaves)
            {
                state.Waiting.Enqueue((firstSeq, leaves, lastHash));
            }
            else
            {
                Interlocked.Add(ref state.WaitingLeaves, -leaves.Length);
            }

            return;
        }

        long gap;
        try
        {
            state.TakeWaiting();
            gap = state.Take(firstSeq, leaves, lastHash) ? 0 : firstSeq - 1 - state.Count;
        }
        finally
        {
            state.Gate.Release();
        }

        // A tree that has not read the chain yet (a restart on a long chain) leaves it to the first checkpoint, as before.
        if (gap > 0 && gap <= MaxWaitingLeaves && state.Count > 0 && state.CatchingUp is not { IsCompleted: false })
        {
            state.CatchingUp = CatchUpInBackgroundAsync(partition);
        }
    }

    /// <summary>
    /// The most leaves that wait for a read holding a partition's tree (64 blocks: about 4 MB), and the largest gap read at
    /// once in the background.
    /// </summary>
    public int MaxWaitingLeaves => 64 * BlockSize;

    /// <summary>Whether this replica keeps the partition's tree already (none is let go; asking keeps nothing).</summary>
    public bool Holds(AuditPartition partition) => _partitions.ContainsKey(partition);

    /// <summary>What is kept of the partition's tree (tests hold its gate as a read does).</summary>
    internal AuditTreeState State(AuditPartition partition) => _partitions.GetOrAdd(partition, static (_, size) => new AuditTreeState(size), BlockSize);

    /// <summary>The read started to fill a gap in the partition's leaves, or a completed task (tests wait for it).</summary>
    internal Task CatchingUp(AuditPartition partition) =>
        _partitions.TryGetValue(partition, out var state) && state.CatchingUp is { } reading ? reading : Task.CompletedTask;

    // The gap read from the sink, off the journal's writer; a failure leaves the gap to the next read.
    private async Task CatchUpInBackgroundAsync(AuditPartition partition)
    {
        await Task.Yield();
        try
        {
            await ReadAsync(partition, [], CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The next checkpoint or proof reads the sink again, and refuses there if it still cannot.
        }
    }

    // Hashes what was appended since the last read (and, first, what was retired before this replica read it); returns the
    // number of retired records it read the lines after. Each line must be the record that comes next, checked as `audit
    // verify` checks it (AuditChainLink): its seq the tree's count plus one, its prev_hash the previous record's hash (the
    // anchor's after retention, genesis at first) and its content hashing to its own hash. The first that is not (a hole in
    // the chain, a line not a record, a line edited since it was sealed) is not hashed, nor any after it, and the state says
    // where it stopped (Break), so that no checkpoint or proof is signed over it. A retirement that moved the lines under
    // the read is told apart (ask again).
    private async ValueTask<long> CatchUpAsync(AuditPartition partition, AuditTreeState state, CancellationToken cancellationToken)
    {
        await using var stored = await AuditStoredChain.OpenAsync(_store, partition, state.Count + 1, cancellationToken).ConfigureAwait(false);
        var anchor = stored.Anchor.Length;
        // Only the retired leaves the tree does not hold yet, a bounded range at a time.
        while (state.Count < anchor)
        {
            foreach (var leaf in await ReadRetiredAsync(partition, state.Count, (int)Math.Min(anchor - state.Count, MaxWaitingLeaves), cancellationToken).ConfigureAwait(false))
            {
                state.Add(leaf);
            }
        }

        // The hash the next line must link to: the anchor's (genesis) when the tree holds no stored record yet, else the last
        // one's; unknown only for leaves told without it, and then the first line is checked for all but its link.
        var previous = state.Count == anchor ? stored.Anchor.LastHash : state.LastHash;
        var link = previous is null ? null : new AuditChainLink(partition.Replica, state.Count, previous);

        // Hashed whole before any is kept: a read a retirement took records from under throws at its end.
        var read = new List<byte[]>();
        string? broken = null;
        try
        {
            await foreach (var line in stored.ReadAsync().ConfigureAwait(false))
            {
                var next = state.Count + read.Count + 1;
                if (Follow(partition, line, next, ref link) is { } why)
                {
                    if (await stored.MovedAsync().ConfigureAwait(false))
                    {
                        throw new AuditChainMovedException(partition);
                    }

                    broken = why;
                    break;
                }

                read.Add(MerkleTree.LeafHash(Encoding.UTF8.GetBytes(line)));
            }
        }
        catch (AuditChainMovedException ex)
        {
            throw new AuditProofException("record_not_found", ex.Message);
        }

        foreach (var leaf in read)
        {
            state.Add(leaf);
        }

        state.LastHash = link is { Records: > 0 } ? link.Previous : previous ?? state.LastHash;
        state.Break = broken;
        return anchor;
    }

    // Null when the stored line is record `next` of the partition and the next link of its chain; else where and why not.
    private static string? Follow(AuditPartition partition, string line, long next, ref AuditChainLink? link)
    {
        if (!AuditChainLink.TryParse(line, out var document, out var seq, out var tenant, out var replica, out var hash, out _))
        {
            return $"the stored line after record {next - 1} of {partition} is not a record";
        }

        using (document)
        {
            if (seq != next)
            {
                return $"the stored line after record {next - 1} of {partition} is record {seq}, not {next}";
            }

            if (!string.Equals(tenant, partition.Tenant, StringComparison.Ordinal) || !string.Equals(replica, partition.Replica, StringComparison.Ordinal))
            {
                return $"the stored line of record {next} of {partition} names tenant {tenant} replica {replica}";
            }

            // Leaves told without their last record's hash: this line's own prev_hash stands for it (its seal is still checked).
            link ??= new AuditChainLink(partition.Replica, next - 1,
                document.RootElement.TryGetProperty("prev_hash", out var prev) && AuditChainLink.TryReadText(prev, out var claimed) && claimed.Length > 0
                    ? claimed
                    : AuditChainLink.GenesisHash);
            return link.Follow(document.RootElement, seq, hash) is { } why
                ? $"the stored line of record {next} of {partition} is not the chain's next link ({why.Reason}: {why.Detail})"
                : null;
        }
    }

    // The leaves of a complete block, read again from the sink (and the retired leaves it kept) at the positions the catch-up's
    // anchor gives, checked against its head: a retirement since moves the lines, and the head no longer matches.
    private async ValueTask<IReadOnlyList<byte[]>> ReadBlockAsync(AuditPartition partition, AuditTreeState state, long block, long anchor, CancellationToken cancellationToken)
    {
        var start = block * BlockSize;
        var end = start + BlockSize;
        var leaves = new List<byte[]>(BlockSize);
        if (start < anchor)
        {
            leaves.AddRange(await ReadRetiredAsync(partition, start, (int)(Math.Min(anchor, end) - start), cancellationToken).ConfigureAwait(false));
        }

        if (leaves.Count < BlockSize)
        {
            await foreach (var line in _store.ReadAsync(partition, start + leaves.Count - anchor, cancellationToken).ConfigureAwait(false))
            {
                leaves.Add(MerkleTree.LeafHash(Encoding.UTF8.GetBytes(line)));
                if (leaves.Count == BlockSize)
                {
                    break;
                }
            }
        }

        if (leaves.Count < BlockSize || !MerkleTree.Root(leaves, BlockSize).AsSpan().SequenceEqual(state.BlockRoots[(int)block]))
        {
            throw new AuditProofException("record_not_found",
                $"The records {start + 1} to {end} of {partition} moved while they were read (a retirement): ask again.");
        }

        return leaves;
    }

    // Leaves from..from+count-1 of records retired before this replica hashed them, as the sink kept them at retirement:
    // only that range is read (a proof's block, the leaves the tree lacks), never every retired leaf.
    private async ValueTask<IReadOnlyList<byte[]>> ReadRetiredAsync(AuditPartition partition, long from, int count, CancellationToken cancellationToken)
    {
        var retired = _store is IAuditRetirement retirement
            ? await retirement.ReadRetiredLeavesAsync(partition, from, count, cancellationToken).ConfigureAwait(false)
            : [];
        return retired.Count < count ? throw new AuditTreeIncompleteException(partition) : retired;
    }
}

/// <summary>The partition's oldest records were retired before this replica read them: its tree cannot be rebuilt here.</summary>
public sealed class AuditTreeIncompleteException(AuditPartition partition)
    : InvalidOperationException($"The audit chain {partition} starts after retention; its Merkle tree is not complete here.");
