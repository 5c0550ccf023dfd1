using Gateway.Policy.Evidence;

namespace Gateway.Policy.Tests.Evidence;

/// <summary>
/// The tree against the RFC 6962 reference vectors (the Certificate Transparency reference implementation's test data:
/// eight entries, the tree head of every size, audit paths and consistency proofs), not against our own output; and
/// every proof of many tree sizes checked by <see cref="MerkleProof"/>, written from RFC 9162's verification algorithm.
/// </summary>
public sealed class MerkleTreeTests
{
    private static readonly string[] Entries = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"];

    private static readonly string[] Roots =
    [
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ];

    public static TheoryData<long, long, string[]> InclusionVectors => new()
    {
        { 0, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7", "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"] },
        { 5, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b", "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0", "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"] },
        { 2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"] },
        { 0, 1, [] },
    };

    public static TheoryData<long, long, string[]> ConsistencyVectors => new()
    {
        { 1, 1, [] },
        { 2, 8, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"] },
        { 6, 8, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a", "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0", "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"] },
    };

    private static List<byte[]> Leaves() => [.. Entries.Select(static e => MerkleTree.LeafHash(Convert.FromHexString(e)))];

    [Fact]
    public void Root_ReferenceEntries_MatchesTheRfc6962TreeHeadOfEverySize()
    {
        var leaves = Leaves();

        for (var size = 0; size <= leaves.Count; size++)
        {
            Assert.Equal(Roots[size], Convert.ToHexStringLower(MerkleTree.Root(leaves, size)));
        }
    }

    [Theory]
    [MemberData(nameof(InclusionVectors))]
    public void InclusionPath_ReferenceVector_IsTheRfcPathAndVerifies(long index, long size, string[] expected)
    {
        var leaves = Leaves();

        var path = MerkleTree.InclusionPath(leaves, index, size);

        Assert.Equal(expected, path.Select(Convert.ToHexStringLower));
        Assert.True(MerkleProof.VerifyInclusion(leaves[(int)index], index, size, [.. expected.Select(Convert.FromHexString)], Convert.FromHexString(Roots[size])));
    }

    [Theory]
    [MemberData(nameof(ConsistencyVectors))]
    public void ConsistencyPath_ReferenceVector_IsTheRfcProofAndVerifies(long first, long second, string[] expected)
    {
        var leaves = Leaves();

        var path = MerkleTree.ConsistencyPath(leaves, first, second);

        Assert.Equal(expected, path.Select(Convert.ToHexStringLower));
        Assert.True(MerkleProof.VerifyConsistency(first, second, Convert.FromHexString(Roots[first]), Convert.FromHexString(Roots[second]), [.. expected.Select(Convert.FromHexString)]));
    }

    [Fact]
    public void RootAndInclusionPaths_ReferenceEntries_AreTheRfcTreeHeadAndEveryLeafsRfcPath()
    {
        var leaves = Leaves();

        var (root, paths) = MerkleTree.RootAndInclusionPaths(leaves);

        Assert.Equal(Roots[^1], Convert.ToHexStringLower(root));
        Assert.Equal(InclusionVectors.Where(static v => (long)v[1] == 8).Select(static v => (string[])v[2]).First(), paths[0].Select(Convert.ToHexStringLower));
        Assert.Equal(InclusionVectors.Where(static v => (long)v[1] == 8).Select(static v => (string[])v[2]).Last(), paths[5].Select(Convert.ToHexStringLower));
    }

    [Fact]
    public void RootAndInclusionPaths_EverySizeUpTo40_EqualsTheRootAndThePathsOneByOne()
    {
        var leaves = Enumerable.Range(0, 40).Select(static i => MerkleTree.LeafHash([(byte)i, (byte)(i * 7)])).ToList();
        for (var size = 1; size <= leaves.Count; size++)
        {
            var (root, paths) = MerkleTree.RootAndInclusionPaths(leaves[..size]);

            Assert.Equal(MerkleTree.Root(leaves, size), root);
            for (var index = 0; index < size; index++)
            {
                Assert.Equal(MerkleTree.InclusionPath(leaves, index, size), paths[index]);
            }
        }
    }

    [Fact]
    public void VerifyInclusion_EveryLeafOfEverySizeUpTo40_VerifiesAndFailsWhenAltered()
    {
        var leaves = Enumerable.Range(0, 40).Select(static i => MerkleTree.LeafHash([(byte)i, (byte)(i * 7)])).ToList();
        for (var size = 1; size <= leaves.Count; size++)
        {
            var root = MerkleTree.Root(leaves, size);
            for (var index = 0; index < size; index++)
            {
                var path = MerkleTree.InclusionPath(leaves, index, size).ToList();
                Assert.True(MerkleProof.VerifyInclusion(leaves[index], index, size, path, root), $"{index}/{size}");
                Assert.False(MerkleProof.VerifyInclusion(leaves[(index + 1) % leaves.Count], index, size, path, root), $"other leaf {index}/{size}");
                if (path.Count > 0)
                {
                    var flipped = path.Select(static p => (byte[])p.Clone()).ToList();
                    flipped[^1][3] ^= 1;
                    Assert.False(MerkleProof.VerifyInclusion(leaves[index], index, size, flipped, root), $"flipped {index}/{size}");
                    Assert.False(MerkleProof.VerifyInclusion(leaves[index], index, size, path[..^1], root), $"truncated {index}/{size}");
                }

                Assert.False(MerkleProof.VerifyInclusion(leaves[index], index, size, [.. path, new byte[32]], root), $"extended {index}/{size}");
            }
        }
    }

    [Fact]
    public void VerifyConsistency_EveryPairUpTo40_VerifiesAndARewrittenPrefixFails()
    {
        var leaves = Enumerable.Range(0, 40).Select(static i => MerkleTree.LeafHash([(byte)i])).ToList();
        var rewritten = leaves.ToList();
        rewritten[0] = MerkleTree.LeafHash([0xff]);
        for (var second = 0; second <= leaves.Count; second++)
        {
            var secondRoot = MerkleTree.Root(leaves, second);
            for (var first = 0; first <= second; first++)
            {
                var path = MerkleTree.ConsistencyPath(leaves, first, second);
                Assert.True(MerkleProof.VerifyConsistency(first, second, MerkleTree.Root(leaves, first), secondRoot, path), $"{first}->{second}");
                if (first > 0)
                {
                    // A log that rewrote its first record proves nothing against a checkpoint taken before.
                    var forged = MerkleTree.ConsistencyPath(rewritten, first, second);
                    Assert.False(MerkleProof.VerifyConsistency(first, second, MerkleTree.Root(leaves, first), MerkleTree.Root(rewritten, second), forged), $"rewritten {first}->{second}");
                }
            }
        }
    }
}
