using System.Buffers;
using System.Security.Cryptography;

namespace Gateway.Policy.Evidence;

/// <summary>
/// The Merkle tree of RFC 6962 section 2.1 (RFC 9162 section 2.1) over a list of leaf hashes: a leaf's hash is
/// SHA-256(0x00 ‖ entry), an interior node's SHA-256(0x01 ‖ left ‖ right), the split at the largest power of two below
/// the size. Builds the tree head, a leaf's inclusion path and the consistency path between two sizes; checking a proof
/// is <see cref="MerkleProof"/>'s, written apart from this from the RFC's verification algorithm.
/// </summary>
public static class MerkleTree
{
    public const int HashSize = SHA256.HashSizeInBytes;

    /// <summary>SHA-256(0x00 ‖ <paramref name="entry"/>).</summary>
    public static byte[] LeafHash(ReadOnlySpan<byte> entry)
    {
        var hash = new byte[HashSize];
        LeafHash(entry, hash);
        return hash;
    }

    /// <summary>SHA-256(0x00 ‖ <paramref name="entry"/>) into <paramref name="destination"/> (<see cref="HashSize"/> bytes).</summary>
    public static void LeafHash(ReadOnlySpan<byte> entry, Span<byte> destination)
    {
        // The prefixed entry in one buffer (on the stack when small, pooled otherwise): one SHA-256 call, no hasher object.
        const int StackLimit = 1024;
        byte[]? rented = null;
        var input = entry.Length < StackLimit ? stackalloc byte[StackLimit] : (rented = ArrayPool<byte>.Shared.Rent(entry.Length + 1));
        try
        {
            input[0] = 0x00;
            entry.CopyTo(input[1..]);
            SHA256.HashData(input[..(entry.Length + 1)], destination);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>SHA-256(0x01 ‖ <paramref name="left"/> ‖ <paramref name="right"/>).</summary>
    public static byte[] NodeHash(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right)
    {
        Span<byte> input = stackalloc byte[1 + (2 * HashSize)];
        input[0] = 0x01;
        left.CopyTo(input[1..]);
        right.CopyTo(input[(1 + HashSize)..]);
        return SHA256.HashData(input);
    }

    /// <summary>The tree head MTH(D[size]) of the first <paramref name="size"/> leaves; SHA-256 of nothing for size 0.</summary>
    public static byte[] Root(IReadOnlyList<byte[]> leaves, long size) => Root(new LeafList(leaves), size);

    /// <summary>The tree head MTH(D[size]) of the tree's first <paramref name="size"/> leaves; SHA-256 of nothing for size 0.</summary>
    public static byte[] Root(IMerkleSubtrees tree, long size)
    {
        ArgumentNullException.ThrowIfNull(tree);
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(size, tree.Count);
        return size == 0 ? SHA256.HashData(ReadOnlySpan<byte>.Empty) : tree.Subtree(0, size);
    }

    /// <summary>MTH(D[start:end]) of the leaves from <paramref name="start"/> to <paramref name="end"/> (exclusive), end &gt; start.</summary>
    public static byte[] Subtree(IReadOnlyList<byte[]> leaves, int start, int end)
    {
        ArgumentNullException.ThrowIfNull(leaves);
        if (start < 0 || end <= start || end > leaves.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(end), "The range must hold at least one of the leaves.");
        }

        return SubtreeOf(leaves, start, end);
    }

    /// <summary>PATH(index, D[size]): the audit path of the leaf at zero-based <paramref name="index"/> in the tree of <paramref name="size"/> leaves, bottom up.</summary>
    public static IReadOnlyList<byte[]> InclusionPath(IReadOnlyList<byte[]> leaves, long index, long size) => InclusionPath(new LeafList(leaves), index, size);

    /// <summary>PATH(index, D[size]) of the tree's leaf at zero-based <paramref name="index"/>, bottom up.</summary>
    public static IReadOnlyList<byte[]> InclusionPath(IMerkleSubtrees tree, long index, long size)
    {
        ArgumentNullException.ThrowIfNull(tree);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(size, tree.Count);
        if (index < 0 || index >= size)
        {
            throw new ArgumentOutOfRangeException(nameof(index), "The leaf is not in the tree of that size.");
        }

        var path = new List<byte[]>();
        Path(tree, index, 0, size, path);
        return path;
    }

    /// <summary>
    /// The tree head of all <paramref name="leaves"/> (at least one) and every leaf's audit path, bottom up, as
    /// <see cref="InclusionPath(IReadOnlyList{byte[]}, long, long)"/> gives them one at a time: each node hashed once (n log n for all the paths).
    /// </summary>
    public static (byte[] Root, List<byte[]>[] Paths) RootAndInclusionPaths(IReadOnlyList<byte[]> leaves)
    {
        ArgumentNullException.ThrowIfNull(leaves);
        ArgumentOutOfRangeException.ThrowIfZero(leaves.Count);
        var paths = new List<byte[]>[leaves.Count];
        for (var i = 0; i < paths.Length; i++)
        {
            paths[i] = [];
        }

        return (SubtreeWithPaths(leaves, 0, leaves.Count, paths), paths);
    }

    /// <summary>PROOF(first, D[second]): the consistency path from the tree of <paramref name="first"/> leaves to that of <paramref name="second"/>; empty when first is 0 or equal to second.</summary>
    public static IReadOnlyList<byte[]> ConsistencyPath(IReadOnlyList<byte[]> leaves, long first, long second) => ConsistencyPath(new LeafList(leaves), first, second);

    /// <summary>PROOF(first, D[second]) of the tree's first <paramref name="first"/> and <paramref name="second"/> leaves.</summary>
    public static IReadOnlyList<byte[]> ConsistencyPath(IMerkleSubtrees tree, long first, long second)
    {
        ArgumentNullException.ThrowIfNull(tree);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(second, tree.Count);
        if (first < 0 || first > second)
        {
            throw new ArgumentOutOfRangeException(nameof(first), "The first size must be between 0 and the second.");
        }

        var path = new List<byte[]>();
        if (first > 0 && first < second)
        {
            SubProof(first, 0, second, complete: true, tree, path);
        }

        return path;
    }

    /// <summary>The largest power of two smaller than <paramref name="n"/> (n &gt; 1): where RFC 6962 splits a tree of n leaves.</summary>
    public static long SplitOf(long n) => 1L << (int)(63 - long.LeadingZeroCount(n - 1));

    // MTH(D[start:end]), end > start.
    private static byte[] SubtreeOf(IReadOnlyList<byte[]> leaves, int start, int end)
    {
        var n = end - start;
        if (n == 1)
        {
            return leaves[start];
        }

        var k = (int)SplitOf(n);
        return NodeHash(SubtreeOf(leaves, start, start + k), SubtreeOf(leaves, start + k, end));
    }

    // MTH(D[start:end]), adding to each leaf's path the sibling of every node above it: children are done before their
    // parent, so each path is bottom up.
    private static byte[] SubtreeWithPaths(IReadOnlyList<byte[]> leaves, int start, int end, List<byte[]>[] paths)
    {
        var n = end - start;
        if (n == 1)
        {
            return leaves[start];
        }

        var k = (int)SplitOf(n);
        var left = SubtreeWithPaths(leaves, start, start + k, paths);
        var right = SubtreeWithPaths(leaves, start + k, end, paths);
        for (var i = start; i < start + k; i++)
        {
            paths[i].Add(right);
        }

        for (var i = start + k; i < end; i++)
        {
            paths[i].Add(left);
        }

        return NodeHash(left, right);
    }

    private static void Path(IMerkleSubtrees tree, long index, long start, long end, List<byte[]> path)
    {
        var n = end - start;
        if (n == 1)
        {
            return;
        }

        var k = SplitOf(n);
        if (index < k)
        {
            Path(tree, index, start, start + k, path);
            path.Add(tree.Subtree(start + k, end));
        }
        else
        {
            Path(tree, index - k, start + k, end, path);
            path.Add(tree.Subtree(start, start + k));
        }
    }

    // SUBPROOF(m, D[start:end], b) of RFC 6962 section 2.1.2.
    private static void SubProof(long m, long start, long end, bool complete, IMerkleSubtrees tree, List<byte[]> path)
    {
        var n = end - start;
        if (m == n)
        {
            if (!complete)
            {
                path.Add(tree.Subtree(start, end));
            }

            return;
        }

        var k = SplitOf(n);
        if (m <= k)
        {
            SubProof(m, start, start + k, complete, tree, path);
            path.Add(tree.Subtree(start + k, end));
        }
        else
        {
            SubProof(m - k, start + k, end, complete: false, tree, path);
            path.Add(tree.Subtree(start, start + k));
        }
    }

    // A list of leaf hashes as a tree: every subtree head computed from its leaves.
    private sealed class LeafList(IReadOnlyList<byte[]> leaves) : IMerkleSubtrees
    {
        private readonly IReadOnlyList<byte[]> _leaves = leaves ?? throw new ArgumentNullException(nameof(leaves));

        public long Count => _leaves.Count;

        public byte[] Subtree(long start, long end) => SubtreeOf(_leaves, (int)start, (int)end);
    }
}
