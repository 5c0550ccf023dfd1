using Gateway.Policy.Evidence;

namespace Gateway.Audit.Evidence;

/// <summary>
/// One read of a partition's tree (<see cref="AuditLeaves.ReadAsync"/>), unchanged by later appends: the heads of its
/// complete blocks, the leaves after them, and the leaves of the complete blocks the read was asked to open. A subtree
/// of whole blocks is hashed from their heads, a subtree inside a block from its leaves; in RFC 6962's decomposition
/// every node is one or the other or splits into them.
/// </summary>
public sealed class AuditTreeView : IMerkleSubtrees
{
    private readonly int _blockSize;
    private readonly byte[][] _blockRoots;
    private readonly byte[][] _tail;
    private readonly IReadOnlyDictionary<long, IReadOnlyList<byte[]>> _openBlocks;

    internal AuditTreeView(int blockSize, long count, byte[][] blockRoots, byte[][] tail, IReadOnlyDictionary<long, IReadOnlyList<byte[]>> openBlocks)
    {
        _blockSize = blockSize;
        Count = count;
        _blockRoots = blockRoots;
        _tail = tail;
        _openBlocks = openBlocks;
    }

    public long Count { get; }

    /// <summary>
    /// The stored line the tree stops before because it is not the record that comes next (a hole in the chain), said in
    /// words; null when the tree holds every stored record.
    /// </summary>
    public string? Break { get; init; }

    /// <summary>The hash of the leaf at zero-based <paramref name="index"/> (in the last, incomplete block or a block opened).</summary>
    public byte[] Leaf(long index) => LeavesOf(index / _blockSize)[(int)(index % _blockSize)];

    public byte[] Subtree(long start, long end)
    {
        var n = end - start;
        var block = start / _blockSize;
        if ((end - 1) / _blockSize == block)
        {
            // Inside one block: a whole complete block is its head; anything less is hashed from the block's leaves.
            var offset = (int)(start - (block * _blockSize));
            return n == _blockSize && block < _blockRoots.Length
                ? _blockRoots[block]
                : MerkleTree.Subtree(LeavesOf(block), offset, offset + (int)n);
        }

        if (start % _blockSize == 0 && long.IsPow2(n))
        {
            // A complete subtree of whole blocks: the same tree over the blocks' heads.
            return MerkleTree.Subtree(_blockRoots, (int)block, (int)(block + (n / _blockSize)));
        }

        var k = MerkleTree.SplitOf(n);
        return MerkleTree.NodeHash(Subtree(start, start + k), Subtree(start + k, end));
    }

    private IReadOnlyList<byte[]> LeavesOf(long block) =>
        block == _blockRoots.Length ? _tail
        : _openBlocks.TryGetValue(block, out var leaves) ? leaves
        : throw new InvalidOperationException($"Block {block} of the audit tree was not opened for this proof.");
}
