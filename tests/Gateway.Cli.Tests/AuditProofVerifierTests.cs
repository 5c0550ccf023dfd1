using System.Text;
using System.Text.Json;
using Gateway.Policy.Evidence;

namespace Gateway.Cli.Tests;

/// <summary>
/// <see cref="AuditProofVerifier"/> on inclusion proofs whose Merkle path is sound: the record must also be the one its
/// place holds, its <c>seq</c> the leaf index + 1 and its tenant and replica the checkpoint's. A tree hashed by position
/// over a chain with a hole (record 3's line at leaf 1) or holding another chain's line proves that line is in the tree,
/// not that it is the record at that seq.
/// </summary>
public sealed class AuditProofVerifierTests
{
    private const string Tenant = "acme";
    private const string Replica = "gw-0";
    private static readonly ReceiptKeyRing Ring = ReceiptKeyRing.Generate(DateTimeOffset.UnixEpoch);
    private static readonly EvidenceKeySet Keys = EvidenceKeySet.Parse(Ring.ToJwks());

    [Fact]
    public void Verify_RecordAtItsPlace_Verifies()
    {
        using var proof = Inclusion([Line(1), Line(2), Line(3)], index: 1);

        Assert.Null(AuditProofVerifier.Verify(proof.RootElement, Keys, earlier: null));
    }

    [Fact]
    public void Verify_RecordEditedWithoutItsHash_IsRefusedAsAltered()
    {
        var edited = Line(2).Replace("\"decision\":\"allow\"", "\"decision\":\"block\"", StringComparison.Ordinal);
        using var proof = Inclusion([Line(1), edited, Line(3)], index: 1);

        var reason = AuditProofVerifier.Verify(proof.RootElement, Keys, earlier: null);

        Assert.StartsWith("record_altered:", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_RecordSeqNotLeafIndexPlusOne_IsRefusedAsMisplaced()
    {
        // Record 2's line gone, the chain hashed by position: record 3's line at leaf 1, where record 2 belongs.
        using var proof = Inclusion([Line(1), Line(3), Line(4)], index: 1);

        var reason = AuditProofVerifier.Verify(proof.RootElement, Keys, earlier: null);

        Assert.Equal("record_misplaced: the record has seq 3, the proof places it at leaf_index 1 (seq 2)", reason);
    }

    [Theory]
    [InlineData("other", Replica)]
    [InlineData(Tenant, "gw-1")]
    public void Verify_RecordOfAnotherTenantOrReplica_IsRefusedAsPartitionMismatch(string tenant, string replica)
    {
        using var proof = Inclusion([Line(1), Line(2, tenant, replica), Line(3)], index: 1);

        var reason = AuditProofVerifier.Verify(proof.RootElement, Keys, earlier: null);

        Assert.Equal($"partition_mismatch: the record is of tenant {tenant} replica {replica}, the checkpoint of tenant {Tenant} replica {Replica}", reason);
    }

    [Fact]
    public void Verify_RecordNotJson_IsRefusedAsMisplaced()
    {
        using var proof = Inclusion([Line(1), "not a record", Line(3)], index: 1);

        Assert.Equal("record_misplaced: the record is not JSON", AuditProofVerifier.Verify(proof.RootElement, Keys, earlier: null));
    }

    [Fact]
    public void Verify_InclusionInTheTreeOfTheCheckpointHeld_Verifies()
    {
        string[] lines = [Line(1), Line(2), Line(3)];
        using var proof = Inclusion(lines, index: 1);
        using var held = Held(lines);

        Assert.Null(AuditProofVerifier.Verify(proof.RootElement, Keys, held.RootElement));
    }

    [Fact]
    public void Verify_InclusionAgainstAnotherRootOfTheTreeHeld_IsRefusedAsHistoryRewritten()
    {
        using var proof = Inclusion([Line(1), Line(2), Line(3)], index: 1);
        using var held = Held([Line(1), Line(2), Line(4)]);

        var reason = AuditProofVerifier.Verify(proof.RootElement, Keys, held.RootElement);

        Assert.StartsWith("history_rewritten: the log's tree of 3 records now has root ", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_InclusionInAnotherTreeThanTheOneHeld_IsRefusedNamingTheTreeSizeToAsk()
    {
        using var proof = Inclusion([Line(1), Line(2), Line(3)], index: 1);
        using var held = Held([Line(1), Line(2)]);

        var reason = AuditProofVerifier.Verify(proof.RootElement, Keys, held.RootElement);

        Assert.Equal("checkpoint_not_held: the proof is made against the tree of 3 records, the checkpoint given holds 2 (fetch it with --tree-size 2 or --first 2)", reason);
    }

    [Fact]
    public void Verify_InclusionWithTheCheckpointOfAnotherChainHeld_IsRefusedAsPartitionMismatch()
    {
        string[] lines = [Line(1), Line(2), Line(3)];
        using var proof = Inclusion(lines, index: 1);
        using var held = Held(lines, replica: "gw-1");

        var reason = AuditProofVerifier.Verify(proof.RootElement, Keys, held.RootElement);

        Assert.Equal($"partition_mismatch: the checkpoint given is of tenant {Tenant} replica gw-1, the proof's of tenant {Tenant} replica {Replica}", reason);
    }

    // A sealed line: its hash over its other members, its prev_hash the genesis link (what is checked here is the seal).
    private static string Line(long seq, string tenant = Tenant, string replica = Replica) =>
        SealedLines.Seal($$"""{"agent":"a","decision":"allow","prev_hash":"{{new string('0', 64)}}","replica":"{{replica}}","seq":{{seq}},"tenant":"{{tenant}}"}""");

    // The checkpoint an auditor kept (as `audit checkpoint -o` writes it) of the tree of the lines.
    private static JsonDocument Held(string[] lines, string replica = Replica) =>
        JsonDocument.Parse(JsonSerializer.Serialize(new Dictionary<string, object> { ["checkpoint"] = Signed(Leaves(lines), replica) }));

    private static List<byte[]> Leaves(string[] lines) => [.. lines.Select(static l => MerkleTree.LeafHash(Encoding.UTF8.GetBytes(l)))];

    private static string Signed(List<byte[]> leaves, string replica = Replica) => new AuditCheckpoint
    {
        Tenant = Tenant,
        Replica = replica,
        TreeSize = leaves.Count,
        RootHash = Convert.ToHexStringLower(MerkleTree.Root(leaves, leaves.Count)),
        Time = DateTimeOffset.UnixEpoch,
    }.Sign(Ring.Active);

    // The inclusion proof of lines[index] in the tree of the lines, with the checkpoint of Tenant/Replica signed over it.
    private static JsonDocument Inclusion(string[] lines, long index)
    {
        var leaves = Leaves(lines);
        return JsonDocument.Parse(JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["kind"] = "inclusion",
            ["leaf_index"] = index,
            ["leaf_hash"] = Convert.ToHexStringLower(leaves[(int)index]),
            ["path"] = MerkleTree.InclusionPath(leaves, index, leaves.Count).Select(Convert.ToHexStringLower).ToList(),
            ["record"] = lines[index],
            ["checkpoint"] = new Dictionary<string, object> { ["checkpoint"] = Signed(leaves), ["tenant"] = Tenant, ["replica"] = Replica },
        }));
    }
}
