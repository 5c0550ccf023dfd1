using System.Collections.Concurrent;
using Gateway.Policy.Evidence;

namespace Gateway.Audit.Evidence;

/// <summary>
/// What <see cref="AuditLeaves"/> keeps of one partition's tree: the head of each complete block of leaves, in order, and
/// the leaves after the last complete block. Changed only under <see cref="Gate"/>.
/// </summary>
internal sealed class AuditTreeState(int blockSize)
{
    public SemaphoreSlim Gate { get; } = new(1, 1);

    /// <summary>MTH of leaves [b × block size, (b + 1) × block size) at index b.</summary>
    public List<byte[]> BlockRoots { get; } = [];

    /// <summary>The leaves after the last complete block (fewer than a block).</summary>
    public List<byte[]> Tail { get; } = new(blockSize);

    public long Count => ((long)BlockRoots.Count * blockSize) + Tail.Count;

    /// <summary>
    /// Leaves the journal appended while a read held <see cref="Gate"/> (their first seq, in chain order), taken by whoever
    /// holds it next; <see cref="WaitingLeaves"/> counts them, to bound them.
    /// </summary>
    public ConcurrentQueue<(long FirstSeq, byte[][] Leaves, string? LastHash)> Waiting { get; } = new();

    public int WaitingLeaves;

    /// <summary>
    /// Where the last read of the sink stopped because a stored line was not the record that comes next (a hole in the
    /// chain: a line removed, or one not a record), said in words; null when it read to the end.
    /// </summary>
    public string? Break { get; set; }

    /// <summary>
    /// The hash-chain <c>hash</c> of the record the last leaf is of, which the next stored line must name as its
    /// <c>prev_hash</c>; null when not known (leaves told without it).
    /// </summary>
    public string? LastHash { get; set; }

    /// <summary>The read started to fill a gap in the leaves the journal told of (one at a time), or null.</summary>
    public Task? CatchingUp { get; set; }

    /// <summary>
    /// Takes <paramref name="leaves"/>, the leaves from seq <paramref name="firstSeq"/> on, past those it holds already (read
    /// from the sink meanwhile), the last one's record hashing to <paramref name="lastHash"/> (null: not known); false,
    /// taking none, when they do not follow its last leaf (a gap: the sink has the records between).
    /// </summary>
    public bool Take(long firstSeq, byte[][] leaves, string? lastHash)
    {
        var held = Count - (firstSeq - 1);
        if (held < 0)
        {
            return false;
        }

        for (var i = held; i < leaves.Length; i++)
        {
            Add(leaves[i]);
        }

        if (held < leaves.Length)
        {
            LastHash = lastHash;
        }

        return true;
    }

    /// <summary>Takes the leaves that waited for the gate (under it); a run past a gap is dropped (the sink has it).</summary>
    public void TakeWaiting()
    {
        while (Waiting.TryDequeue(out var run))
        {
            Interlocked.Add(ref WaitingLeaves, -run.Leaves.Length);
            Take(run.FirstSeq, run.Leaves, run.LastHash);
        }
    }

    /// <summary>Appends the next leaf; a block it completes is kept as its head alone.</summary>
    public void Add(byte[] leaf)
    {
        Tail.Add(leaf);
        if (Tail.Count == blockSize)
        {
            BlockRoots.Add(MerkleTree.Root(Tail, blockSize));
            Tail.Clear();
        }
    }
}
