using System.Text.Json;
using Gateway.Policy.Evidence;

namespace Gateway.Policy.Tests.Evidence;

/// <summary>The gateway's verifier against the shared vectors (tests/vectors/evidence.json) the SDKs are tested against.</summary>
public sealed class EvidenceVectorTests
{
    private static JsonElement Vectors()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "tests", "vectors", "evidence.json")))
        {
            directory = directory.Parent;
        }

        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(directory!.FullName, "tests", "vectors", "evidence.json")));
        return document.RootElement.Clone();
    }

    [Fact]
    public void TryVerify_SharedReceiptVectors_AcceptAndRefuseWithTheSharedCodes()
    {
        var receipts = Vectors().GetProperty("receipts");
        var keys = EvidenceKeySet.Parse(receipts.GetProperty("jwks").GetRawText());

        foreach (var valid in receipts.GetProperty("valid").EnumerateArray())
        {
            Assert.True(DecisionReceipt.TryVerify(valid.GetProperty("receipt").GetString(), keys, out var claims, out var error), error);
            Assert.Equal(valid.GetProperty("claims").GetProperty("request_id").GetString(), claims!.RequestId);
        }

        foreach (var invalid in receipts.GetProperty("invalid").EnumerateArray())
        {
            Assert.False(DecisionReceipt.TryVerify(invalid.GetProperty("receipt").GetString(), keys, out _, out var error));
            Assert.Equal(invalid.GetProperty("error").GetString(), error);
        }
    }

    [Fact]
    public void MerkleVectors_SharedFile_MatchTheTree()
    {
        var merkle = Vectors().GetProperty("merkle");
        var leaves = merkle.GetProperty("entries").EnumerateArray().Select(static e => MerkleTree.LeafHash(Convert.FromHexString(e.GetString()!))).ToList();
        var roots = merkle.GetProperty("roots").EnumerateArray().Select(static r => r.GetString()!).ToList();

        foreach (var v in merkle.GetProperty("inclusion").EnumerateArray())
        {
            var (index, size) = (v.GetProperty("leaf_index").GetInt64(), v.GetProperty("tree_size").GetInt64());
            Assert.Equal(v.GetProperty("path").EnumerateArray().Select(static p => p.GetString()), MerkleTree.InclusionPath(leaves, index, size).Select(Convert.ToHexStringLower));
        }

        foreach (var v in merkle.GetProperty("consistency").EnumerateArray())
        {
            var (first, second) = (v.GetProperty("first").GetInt64(), v.GetProperty("second").GetInt64());
            var path = v.GetProperty("path").EnumerateArray().Select(static p => Convert.FromHexString(p.GetString()!)).ToList();
            Assert.True(MerkleProof.VerifyConsistency(first, second, Convert.FromHexString(roots[(int)first]), Convert.FromHexString(roots[(int)second]), path));
        }
    }
}
