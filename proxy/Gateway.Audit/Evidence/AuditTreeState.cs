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
