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
    public static byte[] Root(IReadOnlyList<byte[]> leaves, long size)
    {
        ArgumentNullException.ThrowIfNull(leaves);
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(size, leaves.Count);
        return size == 0 ? SHA256.HashData(ReadOnlySpan<byte>.Empty) : Subtree(leaves, 0, (int)size);
    }

    /// <summary>PATH(index, D[size]): the audit path of the leaf at zero-based <paramref name="index"/> in the tree of <paramref name="size"/> leaves, bottom up.</summary>
    public static IReadOnlyList<byte[]> InclusionPath(IReadOnlyList<byte[]> leaves, long index, long size)
    {
        ArgumentNullException.ThrowIfNull(leaves);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(size, leaves.Count);
        if (index < 0 || index >= size)
        {
            throw new ArgumentOutOfRangeException(nameof(index), "The leaf is not in the tree of that size.");
        }

        var path = new List<byte[]>();
        Path(leaves, (int)index, 0, (int)size, path);
        return path;
    }

    /// <summary>
    /// The tree head of all <paramref name="leaves"/> (at least one) and every leaf's audit path, bottom up, as
    /// <see cref="InclusionPath"/> gives them one at a time: each node hashed once (n log n for all the paths).
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
    public static IReadOnlyList<byte[]> ConsistencyPath(IReadOnlyList<byte[]> leaves, long first, long second)
    {
        ArgumentNullException.ThrowIfNull(leaves);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(second, leaves.Count);
        if (first < 0 || first > second)
        {
            throw new ArgumentOutOfRangeException(nameof(first), "The first size must be between 0 and the second.");
        }

        var path = new List<byte[]>();
        if (first > 0 && first < second)
        {
            SubProof((int)first, 0, (int)second, complete: true, leaves, path);
        }

        return path;
    }

    // MTH(D[start:end]), end > start.
    private static byte[] Subtree(IReadOnlyList<byte[]> leaves, int start, int end)
    {
        var n = end - start;
        if (n == 1)
        {
            return leaves[start];
        }

        var k = SplitOf(n);
        return NodeHash(Subtree(leaves, start, start + k), Subtree(leaves, start + k, end));
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

        var k = SplitOf(n);
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

    private static void Path(IReadOnlyList<byte[]> leaves, int index, int start, int end, List<byte[]> path)
    {
        var n = end - start;
        if (n == 1)
        {
            return;
        }

        var k = SplitOf(n);
        if (index < k)
        {
            Path(leaves, index, start, start + k, path);
            path.Add(Subtree(leaves, start + k, end));
        }
        else
        {
            Path(leaves, index - k, start + k, end, path);
            path.Add(Subtree(leaves, start, start + k));
        }
    }

    // SUBPROOF(m, D[start:end], b) of RFC 6962 section 2.1.2.
    private static void SubProof(int m, int start, int end, bool complete, IReadOnlyList<byte[]> leaves, List<byte[]> path)
    {
        var n = end - start;
        if (m == n)
        {
            if (!complete)
            {
                path.Add(Subtree(leaves, start, end));
            }

            return;
        }

        var k = SplitOf(n);
        if (m <= k)
        {
            SubProof(m, start, start + k, complete, leaves, path);
            path.Add(Subtree(leaves, start + k, end));
        }
        else
        {
            SubProof(m - k, start + k, end, complete: false, leaves, path);
            path.Add(Subtree(leaves, start, start + k));
        }
    }

    // The largest power of two smaller than n (n > 1).
    private static int SplitOf(int n) => 1 << (31 - int.LeadingZeroCount(n - 1));
}
