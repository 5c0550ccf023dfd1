using System.Buffers.Text;
using System.Text.Json.Nodes;
using Gateway.Policy.Evidence;

namespace Gateway.Policy.Tests.Evidence;

public sealed class ReceiptBatchTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);

    private static DecisionReceipt Claims(int i) => new()
    {
        Tenant = "acme",
        Replica = "gw-0",
        RequestId = $"req_{i}",
        Agent = "agent-1",
        Decision = i % 2 == 0 ? "allow" : "block",
        LeafIndex = 100 + i,
        LeafHash = Convert.ToHexStringLower(MerkleTree.LeafHash([(byte)i])),
        RecordHash = new string('d', 64),
        IssuedAt = Now.ToUnixTimeSeconds(),
    };

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(7)]
    [InlineData(256)]
    public void Sign_Group_EveryReceiptVerifiesWithItsOwnClaimsUnderOneSignature(int size)
    {
        var ring = ReceiptKeyRing.Generate(Now);
        var group = Enumerable.Range(0, size).Select(Claims).ToList();

        var receipts = ReceiptBatch.Sign(group, ring.Active, Now.ToUnixTimeSeconds());

        Assert.Equal(size, receipts.Length);
        Assert.Single(receipts.Select(static r => r.Split('~')[0]).Distinct());
        for (var i = 0; i < size; i++)
        {
            Assert.True(DecisionReceipt.TryVerify(receipts[i], EvidenceKeySet.Of(ring), out var claims, out var error), error);
            Assert.Equal(group[i], claims);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(13)]
    public void TryRebuild_SameClaimsUnderTheSignedRoot_GivesTheExactReceiptsAgain(int size)
    {
        var group = Enumerable.Range(0, size).Select(Claims).ToList();
        var receipts = ReceiptBatch.Sign(group, ReceiptKeyRing.Generate(Now).Active, Now.ToUnixTimeSeconds());

        Assert.True(ReceiptBatch.TryRebuild(receipts[0].Split('~')[0], group, Now.ToUnixTimeSeconds(), out var rebuilt));

        Assert.Equal(receipts, rebuilt);
    }

    [Fact]
    public void TryRebuild_OtherClaimsOrderOrTime_IsRefused()
    {
        var group = Enumerable.Range(0, 4).Select(Claims).ToList();
        var root = ReceiptBatch.Sign(group, ReceiptKeyRing.Generate(Now).Active, Now.ToUnixTimeSeconds())[0].Split('~')[0];

        Assert.False(ReceiptBatch.TryRebuild(root, [.. group.Take(3), group[3] with { Decision = "allow_and_log" }], Now.ToUnixTimeSeconds(), out var altered));
        Assert.False(ReceiptBatch.TryRebuild(root, [group[1], group[0], group[2], group[3]], Now.ToUnixTimeSeconds(), out _));
        Assert.False(ReceiptBatch.TryRebuild(root, group.Take(3).ToList(), Now.ToUnixTimeSeconds(), out _));
        Assert.False(ReceiptBatch.TryRebuild(root, group, Now.ToUnixTimeSeconds() + 1, out _));
        Assert.False(ReceiptBatch.TryRebuild("not-a-jws", group, Now.ToUnixTimeSeconds(), out _));
        Assert.Empty(altered);
    }

    [Fact]
    public void Sign_Group_PathsAreTheTreesAuditPaths()
    {
        var group = Enumerable.Range(0, 13).Select(Claims).ToList();
        var receipts = ReceiptBatch.Sign(group, ReceiptKeyRing.Generate(Now).Active, Now.ToUnixTimeSeconds());
        var leaves = receipts.Select(static r => MerkleTree.LeafHash(Base64Url.DecodeFromChars(r.Split('~')[1]))).ToList();
        var statement = JsonNode.Parse(Base64Url.DecodeFromChars(receipts[0].Split('~')[0].Split('.')[1]))!;

        Assert.Equal(Convert.ToHexStringLower(MerkleTree.Root(leaves, leaves.Count)), statement["root"]!.GetValue<string>());
        Assert.Equal(13, statement["size"]!.GetValue<int>());
        for (var i = 0; i < leaves.Count; i++)
        {
            var path = Base64Url.DecodeFromChars(receipts[i].Split('~')[2]).Chunk(MerkleTree.HashSize).Select(Convert.ToHexStringLower);
            Assert.Equal(MerkleTree.InclusionPath(leaves, i, leaves.Count).Select(Convert.ToHexStringLower), path);
        }
    }

    [Fact]
    public void TryVerify_ClaimsMovedToAnotherIndexOfTheBatch_IsNotInTheBatch()
    {
        var ring = ReceiptKeyRing.Generate(Now);
        var receipts = ReceiptBatch.Sign([Claims(0), Claims(1), Claims(2)], ring.Active, Now.ToUnixTimeSeconds());
        var first = receipts[0].Split('~');
        var second = receipts[1].Split('~');

        Assert.False(DecisionReceipt.TryVerify(first[0] + "~" + second[1] + "~" + first[2], EvidenceKeySet.Of(ring), out _, out var error));
        Assert.Equal(EvidenceErrors.NotInBatch, error);
    }

    [Fact]
    public void TryVerify_ClaimsUnderAnotherBatchsSignature_IsNotInTheBatch()
    {
        var ring = ReceiptKeyRing.Generate(Now);
        var mine = ReceiptBatch.Sign([Claims(0), Claims(1)], ring.Active, Now.ToUnixTimeSeconds())[0].Split('~');
        var other = ReceiptBatch.Sign([Claims(5), Claims(6)], ring.Active, Now.ToUnixTimeSeconds())[0].Split('~');

        Assert.False(DecisionReceipt.TryVerify(other[0] + "~" + mine[1] + "~" + mine[2], EvidenceKeySet.Of(ring), out _, out var error));
        Assert.Equal(EvidenceErrors.NotInBatch, error);
    }

    [Fact]
    public void TryVerify_PathHashAltered_IsNotInTheBatch()
    {
        var ring = ReceiptKeyRing.Generate(Now);
        var parts = ReceiptBatch.Sign([Claims(0), Claims(1), Claims(2)], ring.Active, Now.ToUnixTimeSeconds())[2].Split('~');
        var path = Base64Url.DecodeFromChars(parts[2]);
        path[0] ^= 0x01;

        Assert.False(DecisionReceipt.TryVerify(parts[0] + "~" + parts[1] + "~" + Base64Url.EncodeToString(path), EvidenceKeySet.Of(ring), out _, out var error));
        Assert.Equal(EvidenceErrors.NotInBatch, error);
    }

    [Fact]
    public void TryVerify_ABatchSignaturePresentedAsAReceiptOfOneSignature_IsTheWrongType()
    {
        var ring = ReceiptKeyRing.Generate(Now);
        var signedRoot = ReceiptBatch.Sign([Claims(0)], ring.Active, Now.ToUnixTimeSeconds())[0].Split('~')[0];

        Assert.False(DecisionReceipt.TryVerify(signedRoot, EvidenceKeySet.Of(ring), out _, out var error));
        Assert.Equal(EvidenceErrors.WrongType, error);
    }

    [Fact]
    public void Sign_EmptyGroup_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ReceiptBatch.Sign([], ReceiptKeyRing.Generate(Now).Active, 0));
    }
}
