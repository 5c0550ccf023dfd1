namespace Gateway.Policy.Evidence;

/// <summary>
/// The tree of a batch of one receipt as <see cref="ReceiptBatch"/> works through it: the receipt's claims, its path
/// (always empty) and the root (its leaf hash). One per thread, overwritten by the thread's next batch of one.
/// </summary>
internal sealed class TreeOfOneArrays
{
    public ReadOnlyMemory<byte>[] Claims { get; } = new ReadOnlyMemory<byte>[1];

    public List<byte[]>[] Paths { get; } = [[]];

    public byte[] Root { get; } = new byte[MerkleTree.HashSize];
}
