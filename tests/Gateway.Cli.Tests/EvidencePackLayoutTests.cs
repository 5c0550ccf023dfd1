using System.Text;
using System.Text.Json.Nodes;
using Gateway.Cli.Evidence;
using Gateway.Policy.Evidence;

namespace Gateway.Cli.Tests;

/// <summary>
/// The names of a pack's files (<see cref="SealedPack"/>, its manifest signed again over every edit): only the documented
/// layout, each file where its content puts it, and no two names that one file system or one Unicode form would merge.
/// </summary>
public sealed class EvidencePackLayoutTests
{
    [Fact]
    public void Verify_PackAsLaidOut_HasNoProblem()
    {
        var pack = Pack();

        Assert.Empty(EvidencePackVerifier.Verify(pack.Files(), EvidenceKeySet.Of(pack.Keys)).Problems);
    }

    [Fact]
    public void Verify_ProofUnderAnotherRecordsName_IsFileUnexpected()
    {
        var pack = Pack();

        var problems = Verify(pack, files =>
        {
            files["proofs/gateway-0-7.json"] = files["proofs/gateway-0-2.json"];
            files.Remove("proofs/gateway-0-2.json");
        });

        Assert.Contains(problems, static p => p.StartsWith("file_unexpected: proofs/gateway-0-7.json ", StringComparison.Ordinal));
    }

    [Fact]
    public void Verify_CheckpointUnderAnotherReplicasName_IsFileUnexpected()
    {
        var pack = Pack();

        var problems = Verify(pack, files => files["checkpoints/gateway-9.json"] = files["checkpoints/gateway-0.json"]);

        Assert.Contains(problems, static p => p.StartsWith("file_unexpected: checkpoints/gateway-9.json ", StringComparison.Ordinal));
    }

    [Fact]
    public void Verify_TwoNamesEqualIgnoringCase_AreFileUnexpected()
    {
        var pack = Pack();

        var problems = Verify(pack, files => files["Records.jsonl"] = files["records.jsonl"]);

        Assert.Contains(problems, static p => p.StartsWith("file_unexpected: Records.jsonl and records.jsonl are one name ignoring case", StringComparison.Ordinal));
    }

    [Fact]
    public void Verify_TwoNamesEqualAfterNfc_AreEachFileUnexpected()
    {
        var pack = Pack();

        var problems = Verify(pack, files =>
        {
            files["bundle/caf\u00e9.yaml"] = Encoding.UTF8.GetBytes("tenant: acme\n");
            files["bundle/cafe\u0301.yaml"] = Encoding.UTF8.GetBytes("tenant: acme\n");
        });

        Assert.Contains(problems, static p => p.StartsWith("file_unexpected: bundle/caf\u00e9.yaml holds a character outside printable ASCII", StringComparison.Ordinal));
        Assert.Contains(problems, static p => p.StartsWith("file_unexpected: bundle/cafe\u0301.yaml holds a character outside printable ASCII", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("checkpoints/")]
    [InlineData("proofs/gateway-0-x.json")]
    [InlineData("explanations/nested/x.json")]
    [InlineData("notes.txt")]
    public void Verify_NameOutsideTheLayout_IsFileUnexpected(string name)
    {
        var pack = Pack();

        var problems = Verify(pack, files => files[name + (name.EndsWith('/') ? "x" : string.Empty)] = "{}"u8.ToArray());

        Assert.Contains(problems, p => p.StartsWith($"file_unexpected: {name}", StringComparison.Ordinal));
    }

    private static SealedPack Pack()
    {
        var pack = new SealedPack();
        for (var i = 0; i < 3; i++)
        {
            pack.Append(new JsonObject { ["decision"] = "allow", ["tool"] = "crm.read_contact" });
        }

        return pack;
    }

    private static IReadOnlyList<string> Verify(SealedPack pack, Action<Dictionary<string, byte[]>> edit) =>
        EvidencePackVerifier.Verify(pack.Files(edit: edit), EvidenceKeySet.Of(pack.Keys)).Problems;
}
