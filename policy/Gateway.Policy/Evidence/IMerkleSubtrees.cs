namespace Gateway.Policy.Evidence;

/// <summary>
/// A Merkle tree (RFC 6962 section 2.1) as <see cref="MerkleTree"/>'s proofs read it: its size and the head of any of its
/// subtrees. A list of leaf hashes is one; a tree that keeps the heads of its complete blocks and reads a block's leaves
/// only when a proof goes into it is another.
/// </summary>
public interface IMerkleSubtrees
{
    /// <summary>The number of leaves.</summary>
    long Count { get; }

    /// <summary>MTH(D[start:end]) for a node of the tree's decomposition (end &gt; start): the range is always one the RFC's split gives.</summary>
    byte[] Subtree(long start, long end);
}
