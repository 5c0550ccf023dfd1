using System.Security.Cryptography;

namespace Gateway.Policy.Evidence;

/// <summary>
/// Checks inclusion and consistency proofs exactly as RFC 9162 sections 2.1.3.2 and 2.1.4.2 say, from the proof alone
/// (no tree): what a third party runs against a signed checkpoint. Written apart from <see cref="MerkleTree"/>, which
/// builds the proofs, so that a mistake in one is not repeated in the other.
/// </summary>
public static class MerkleProof
{
    /// <summary>True when <paramref name="path"/> proves the leaf hash at <paramref name="index"/> is in the tree of <paramref name="size"/> leaves whose head is <paramref name="root"/>.</summary>
    public static bool VerifyInclusion(ReadOnlySpan<byte> leafHash, long index, long size, IReadOnlyList<byte[]> path, ReadOnlySpan<byte> root)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (index < 0 || index >= size || leafHash.Length != MerkleTree.HashSize || root.Length != MerkleTree.HashSize)
        {
            return false;
        }

        var fn = index;
        var sn = size - 1;
        var r = leafHash.ToArray();
        foreach (var p in path)
        {
            if (p is null || p.Length != MerkleTree.HashSize || sn == 0)
            {
                return false;
            }

            if ((fn & 1) == 1 || fn == sn)
            {
                r = MerkleTree.NodeHash(p, r);
                while ((fn & 1) == 0 && fn != 0)
                {
                    fn >>= 1;
                    sn >>= 1;
                }
            }
            else
            {
                r = MerkleTree.NodeHash(r, p);
            }

            fn >>= 1;
            sn >>= 1;
        }

        return sn == 0 && CryptographicOperations.FixedTimeEquals(r, root);
    }

    /// <summary>
    /// True when <paramref name="path"/> proves the tree of <paramref name="second"/> leaves (head <paramref name="secondRoot"/>)
    /// extends the tree of <paramref name="first"/> leaves (head <paramref name="firstRoot"/>): nothing in the first was changed or removed.
    /// </summary>
    public static bool VerifyConsistency(long first, long second, ReadOnlySpan<byte> firstRoot, ReadOnlySpan<byte> secondRoot, IReadOnlyList<byte[]> path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (first < 0 || first > second || firstRoot.Length != MerkleTree.HashSize || secondRoot.Length != MerkleTree.HashSize)
        {
            return false;
        }

        if (first == second)
        {
            return path.Count == 0 && CryptographicOperations.FixedTimeEquals(firstRoot, secondRoot);
        }

        if (first == 0)
        {
            // The empty tree is a prefix of every tree; its head is SHA-256 of nothing.
            return path.Count == 0 && CryptographicOperations.FixedTimeEquals(firstRoot, SHA256.HashData(ReadOnlySpan<byte>.Empty));
        }

        if (path.Count == 0 || path.Any(static p => p is null || p.Length != MerkleTree.HashSize))
        {
            return false;
        }

        // 1. A first tree of exactly a power of two leaves is itself a node of the second: it starts the path.
        IReadOnlyList<byte[]> proof = (first & (first - 1)) == 0 ? [firstRoot.ToArray(), .. path] : path;
        var fn = first - 1;
        var sn = second - 1;
        while ((fn & 1) == 1)
        {
            fn >>= 1;
            sn >>= 1;
        }

        var fr = proof[0];
        var sr = proof[0];
        for (var i = 1; i < proof.Count; i++)
        {
            var c = proof[i];
            if (sn == 0)
            {
                return false;
            }

            if ((fn & 1) == 1 || fn == sn)
            {
                fr = MerkleTree.NodeHash(c, fr);
                sr = MerkleTree.NodeHash(c, sr);
                while ((fn & 1) == 0 && fn != 0)
                {
                    fn >>= 1;
                    sn >>= 1;
                }
            }
            else
            {
                sr = MerkleTree.NodeHash(sr, c);
            }

            fn >>= 1;
            sn >>= 1;
        }

        return sn == 0 && CryptographicOperations.FixedTimeEquals(fr, firstRoot) && CryptographicOperations.FixedTimeEquals(sr, secondRoot);
    }
}
