using System.IO.Compression;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Policy.Evidence;

namespace Gateway.Cli.Tests;

/// <summary>
/// <c>gatewayctl evidence export|verify</c> against the real gateway on Kestrel: a run's records exported into a pack
/// that verifies offline; a pack whose record, manifest or proof was edited, or verified with another key set, refused
/// with the reason named.
/// </summary>
public sealed partial class EvidencePackCommandsTests : IAsyncLifetime
{
    private const string ReadContact = """{"tool":"crm.read_contact","args":{"id":"c-1"}}""";
    private const string Shell = """{"tool":"shell.exec","args":{"cmd":"ls"}}""";
    private DemoGateway _gw = null!;

    public async Task InitializeAsync() => _gw = await DemoGateway.StartAsync();

    public async Task DisposeAsync() => await _gw.DisposeAsync();

    [Fact]
    public async Task EvidenceExportThenVerify_RunsRecords_VerifiesOfflineAndPrintsTheFooter()
    {
        var (pack, export) = await ExportRunAsync();

        var verified = await CliRun.RunAsync("evidence", "verify", pack);
        var json = await CliRun.RunAsync("evidence", "verify", pack, "--json");

        Assert.True(export.ExitCode == 0, export.Out + export.Error);
        Assert.Matches(@"^gamut-evidence: 4 records, tenant demo, checkpoint \S+ size \d+ root [0-9a-f]{12}, manifest sha256 [0-9a-f]{12}\s*$", export.Out);
        Assert.True(verified.ExitCode == 0, verified.Out + verified.Error);
        Assert.Contains("verified: 4 records, 1 checkpoint(s)", verified.Out, StringComparison.Ordinal);
        using var body = JsonDocument.Parse(json.Out);
        Assert.True(body.RootElement.GetProperty("verified").GetBoolean());
        Assert.Equal("pack", body.RootElement.GetProperty("keys").GetString());
        using (var zip = ZipFile.OpenRead(pack))
        {
            Assert.Equal(4, zip.Entries.Count(static e => e.FullName.StartsWith("proofs/", StringComparison.Ordinal)));
            Assert.Contains(zip.Entries, static e => e.FullName.StartsWith("explanations/", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task EvidenceVerify_RecordEdited_NamesTheFileAndTheRecord()
    {
        var (pack, _) = await ExportRunAsync();
        PackZip.Rewrite(pack, "records.jsonl", static text => text.Replace("\"decision\":\"block\"", "\"decision\":\"allow\"", StringComparison.Ordinal));

        var result = await CliRun.RunAsync("evidence", "verify", pack);

        Assert.Equal(2, result.ExitCode);
        Assert.True(result.Out.Contains("file_altered: records.jsonl", StringComparison.Ordinal), result.Out);
        Assert.True(result.Out.Contains("record_altered: records.jsonl line", StringComparison.Ordinal), result.Out);
        Assert.True(result.Out.Contains("decision differs", StringComparison.Ordinal), result.Out);
    }

    [Fact]
    public async Task EvidenceVerify_ManifestEditedToMatchAnEditedRecord_NamesTheManifest()
    {
        var (pack, _) = await ExportRunAsync();
        PackZip.Rewrite(pack, "records.jsonl", static text => text.Replace("\"decision\":\"block\"", "\"decision\":\"allow\"", StringComparison.Ordinal));
        var records = PackZip.Read(pack, "records.jsonl");
        PackZip.Rewrite(pack, "manifest.json", text =>
        {
            var manifest = JsonNode.Parse(text)!;
            manifest["files"]!["records.jsonl"] = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(records)));
            return manifest.ToJsonString();
        });

        var result = await CliRun.RunAsync("evidence", "verify", pack);

        Assert.Equal(2, result.ExitCode);
        Assert.True(result.Out.Contains("manifest_altered", StringComparison.Ordinal), result.Out);
        Assert.DoesNotContain("file_altered", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EvidenceVerify_ProofPathEdited_NamesTheProof()
    {
        var (pack, _) = await ExportRunAsync();
        var proof = PackZip.FirstEntry(pack, "proofs/");

        PackZip.Rewrite(pack, proof, static text =>
        {
            var node = JsonNode.Parse(text)!;
            node["leaf_index"] = node["leaf_index"]!.GetValue<long>() + 1;
            return node.ToJsonString();
        });

        var result = await CliRun.RunAsync("evidence", "verify", pack);

        Assert.Equal(2, result.ExitCode);
        Assert.True(result.Out.Contains("file_altered: " + proof, StringComparison.Ordinal), result.Out);
        Assert.True(result.Out.Contains("inclusion_failed", StringComparison.Ordinal), result.Out);
        Assert.True(result.Out.Contains("record_unproven", StringComparison.Ordinal), result.Out);
    }

    [Fact]
    public async Task EvidenceVerify_RecordRemoved_NamesTheMissingRecord()
    {
        var (pack, _) = await ExportRunAsync();
        PackZip.Rewrite(pack, "records.jsonl", static text => string.Join('\n', text.Split('\n').Skip(1)));

        var result = await CliRun.RunAsync("evidence", "verify", pack);

        Assert.Equal(2, result.ExitCode);
        Assert.True(result.Out.Contains("record_missing: the pack proves 4 records, records.jsonl holds 3", StringComparison.Ordinal), result.Out);
    }

    [Fact]
    public async Task EvidenceVerify_RecordInserted_NamesTheUnprovenAndTheDuplicatedLine()
    {
        var (pack, _) = await ExportRunAsync();
        PackZip.Rewrite(pack, "records.jsonl", static text =>
        {
            var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            var forged = JsonNode.Parse(lines[0])!;
            forged["seq"] = 999_999;
            forged["decision"] = "allow";
            return string.Join('\n', lines.Append(forged.ToJsonString()).Append(lines[1])) + "\n";
        });

        var result = await CliRun.RunAsync("evidence", "verify", pack);

        Assert.Equal(2, result.ExitCode);
        Assert.True(result.Out.Contains("file_altered: records.jsonl", StringComparison.Ordinal), result.Out);
        Assert.True(result.Out.Contains("record_unproven: records.jsonl line 5", StringComparison.Ordinal), result.Out);
        Assert.True(result.Out.Contains("beyond the pack's checkpoint", StringComparison.Ordinal), result.Out);
        Assert.True(result.Out.Contains("record_duplicated: records.jsonl line 6 repeats line 2", StringComparison.Ordinal), result.Out);
    }

    [Fact]
    public async Task EvidenceVerify_ProvenRecordOfAnotherRunInserted_NamesItOutsideTheSelection()
    {
        var (pack, _) = await ExportRunAsync();
        var (other, _) = await ExportRunAsync();
        var line = PackZip.Read(other, "records.jsonl").Split('\n')[0];
        using (var document = JsonDocument.Parse(line))
        {
            // The other run's record with its genuine proof, put in as if it were of this pack's run.
            var proof = $"proofs/{document.RootElement.GetProperty("replica").GetString()}-{document.RootElement.GetProperty("seq").GetInt64()}.json";
            PackZip.Add(pack, proof, PackZip.Read(other, proof));
        }

        PackZip.Rewrite(pack, "records.jsonl", text => text + line + "\n");

        var result = await CliRun.RunAsync("evidence", "verify", pack);

        Assert.Equal(2, result.ExitCode);
        Assert.True(result.Out.Contains("file_unlisted: proofs/", StringComparison.Ordinal), result.Out);
        Assert.True(result.Out.Contains("record_outside_selection: records.jsonl line 5", StringComparison.Ordinal), result.Out);
        Assert.True(result.Out.Contains("has run_id", StringComparison.Ordinal), result.Out);
    }

    [Fact]
    public async Task EvidenceVerify_CheckpointSwappedForAnOlderSignedOne_NamesTheRollback()
    {
        var (older, _) = await ExportRunAsync();
        var (pack, _) = await ExportRunAsync();
        var checkpoint = PackZip.FirstEntry(pack, "checkpoints/");

        PackZip.Rewrite(pack, checkpoint, _ => PackZip.Read(older, checkpoint));

        var result = await CliRun.RunAsync("evidence", "verify", pack);

        Assert.Equal(2, result.ExitCode);
        Assert.True(result.Out.Contains("file_altered: " + checkpoint, StringComparison.Ordinal), result.Out);
        Assert.True(result.Out.Contains("checkpoint_rolled_back: proofs/", StringComparison.Ordinal), result.Out);
    }

    [Fact]
    public async Task EvidenceVerify_AfterACheckpointNewerThanThePack_RefusesItAsRolledBack()
    {
        var (pack, _) = await ExportRunAsync();
        await _gw.EvaluateAsync(ReadContact);
        var held = Path.Combine(Path.GetDirectoryName(pack)!, "held.json");
        var saved = await _gw.RunAsync(DemoGateway.AdminToken, "audit", "checkpoint", "--tenant", DemoGateway.Tenant, "-o", held);

        var result = await CliRun.RunAsync("evidence", "verify", pack, "--after-checkpoint", held);

        Assert.True(saved.ExitCode == 0, saved.Out + saved.Error);
        Assert.Equal(2, result.ExitCode);
        Assert.True(result.Out.Contains("checkpoint_rolled_back: checkpoints/", StringComparison.Ordinal), result.Out);
        Assert.DoesNotContain("file_altered", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EvidenceExportAfterCheckpoint_VerifiedAfterIt_ProvesTheLogExtendsIt()
    {
        var held = Path.Combine(Directory.CreateTempSubdirectory("gatewayctl-held-").FullName, "held.json");
        await _gw.EvaluateAsync(ReadContact);
        var saved = await _gw.RunAsync(DemoGateway.AdminToken, "audit", "checkpoint", "--tenant", DemoGateway.Tenant, "-o", held);
        var (plain, _) = await ExportRunAsync();
        var (pack, _) = await ExportRunAsync("--after-checkpoint", held);

        var verified = await CliRun.RunAsync("evidence", "verify", pack, "--after-checkpoint", held);
        var unproven = await CliRun.RunAsync("evidence", "verify", plain, "--after-checkpoint", held);

        Assert.True(saved.ExitCode == 0, saved.Out + saved.Error);
        Assert.True(verified.ExitCode == 0, verified.Out + verified.Error);
        Assert.Single(PackZip.Entries(pack, "consistency/"));
        Assert.Equal(2, unproven.ExitCode);
        Assert.True(unproven.Out.Contains("consistency_missing", StringComparison.Ordinal), unproven.Out);
    }

    [Fact]
    public async Task EvidenceVerify_ConsistencyProofFromAnotherCheckpoint_IsRefused()
    {
        var dir = Directory.CreateTempSubdirectory("gatewayctl-held-").FullName;
        var (first, second) = (Path.Combine(dir, "first.json"), Path.Combine(dir, "second.json"));
        await _gw.EvaluateAsync(ReadContact);
        await _gw.RunAsync(DemoGateway.AdminToken, "audit", "checkpoint", "--tenant", DemoGateway.Tenant, "-o", first);
        await _gw.EvaluateAsync(ReadContact);
        await _gw.RunAsync(DemoGateway.AdminToken, "audit", "checkpoint", "--tenant", DemoGateway.Tenant, "-o", second);
        var (pack, _) = await ExportRunAsync("--after-checkpoint", second);

        var result = await CliRun.RunAsync("evidence", "verify", pack, "--after-checkpoint", first);

        Assert.Equal(2, result.ExitCode);
        Assert.True(result.Out.Contains("consistency_missing: consistency/", StringComparison.Ordinal), result.Out);
        Assert.True(result.Out.Contains("not from the checkpoint given with --after-checkpoint", StringComparison.Ordinal), result.Out);
    }

    [Fact]
    public async Task EvidenceVerify_ExplanationAltered_NamesTheExplanation()
    {
        var (pack, _) = await ExportRunAsync();
        var explanation = PackZip.FirstEntry(pack, "explanations/");

        PackZip.Rewrite(pack, explanation, static text =>
        {
            var node = JsonNode.Parse(text)!.AsObject();
            node["edited"] = true;
            return node.ToJsonString();
        });

        var result = await CliRun.RunAsync("evidence", "verify", pack);

        Assert.Equal(2, result.ExitCode);
        Assert.True(result.Out.Contains("file_altered: " + explanation, StringComparison.Ordinal), result.Out);
        Assert.True(result.Out.Contains("explanation_altered: records.jsonl line", StringComparison.Ordinal), result.Out);
    }

    [Fact]
    public async Task EvidenceVerify_CheckpointReplacedByGarbage_NamesTheFileAndExits2()
    {
        var (pack, _) = await ExportRunAsync();
        var checkpoint = PackZip.FirstEntry(pack, "checkpoints/");

        PackZip.Rewrite(pack, checkpoint, static _ => "not json");

        var result = await CliRun.RunAsync("evidence", "verify", pack);

        Assert.Equal(2, result.ExitCode);
        Assert.True(result.Out.Contains("file_altered: " + checkpoint, StringComparison.Ordinal), result.Out);
        Assert.True(result.Out.Contains("malformed: " + checkpoint, StringComparison.Ordinal), result.Out);
    }

    [Fact]
    public async Task EvidenceVerify_AnotherKeySet_RefusesEverySignature()
    {
        var (pack, _) = await ExportRunAsync();
        var jwks = Path.Combine(Path.GetDirectoryName(pack)!, "other-jwks.json");
        File.WriteAllText(jwks, ReceiptKeyRing.Generate(DateTimeOffset.UtcNow).ToJwks());

        var result = await CliRun.RunAsync("evidence", "verify", pack, "--jwks", jwks);

        Assert.Equal(2, result.ExitCode);
        Assert.True(result.Out.Contains("manifest_signature_unknown_key", StringComparison.Ordinal), result.Out);
        Assert.True(result.Out.Contains("checkpoint_unknown_key", StringComparison.Ordinal), result.Out);
    }

    [Fact]
    public async Task EvidenceExport_DecisionRecords_PutsTheExactReceiptsTheAgentGotInThePackAndVerifiesThem()
    {
        var run = await _gw.StartRunAsync();
        var answers = new[] { ReadContact, Shell, ReadContact };
        var received = new List<string>();
        foreach (var action in answers)
        {
            var (status, receipt) = await _gw.EvaluateInRunForReceiptAsync(run, action);
            Assert.Equal(HttpStatusCode.OK, status);
            received.Add(Assert.IsType<string>(receipt));
        }

        var pack = Path.Combine(Directory.CreateTempSubdirectory("gatewayctl-pack-").FullName, "pack.zip");
        var export = await _gw.RunAsync(DemoGateway.AdminToken, "evidence", "export", "--tenant", DemoGateway.Tenant, "--run-id", run, "-o", pack);
        var verified = await CliRun.RunAsync("evidence", "verify", pack);

        Assert.True(export.ExitCode == 0, export.Out + export.Error);
        var packed = PackZip.Read(pack, "receipts.jsonl").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(received.Order(StringComparer.Ordinal), packed.Order(StringComparer.Ordinal));
        Assert.True(verified.ExitCode == 0, verified.Out + verified.Error);
    }

    [Fact]
    public async Task EvidenceVerify_StoredReceiptEdited_IsRefused()
    {
        var (pack, _) = await ExportRunAsync();
        PackZip.Rewrite(pack, "receipts.jsonl", static text => text[..^2] + (text[^2] == 'A' ? "B" : "A") + "\n");

        var result = await CliRun.RunAsync("evidence", "verify", pack);

        Assert.Equal(2, result.ExitCode);
        Assert.True(result.Out.Contains("receipt_", StringComparison.Ordinal), result.Out);
    }

    [Fact]
    public async Task EvidenceExport_NoSelection_Exits6()
    {
        var result = await _gw.RunAsync(DemoGateway.AdminToken, "evidence", "export", "--tenant", DemoGateway.Tenant, "-o", Path.Combine(Path.GetTempPath(), "never.zip"));

        Assert.Equal(6, result.ExitCode);
        Assert.Contains("exactly one of", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RegressRun_FixturesFromAPack_PassOnTheBundleThenFailNamingTheControlAfterAChange()
    {
        var (pack, _) = await ExportRunAsync();
        var dir = Path.GetDirectoryName(pack)!;
        var fixtures = Path.Combine(dir, "regress");
        var changed = CliRun.CopyBundle(static text => text.Replace(
            "      - { tool: crm.read_contact }\n      - { tool: crm.update_contact }", "      - { tool: crm.update_contact }", StringComparison.Ordinal));
        var junit = Path.Combine(dir, "regress-junit.xml");

        var init = await CliRun.RunAsync("regress", "init", "--from", pack, "-o", Path.Combine(fixtures, "incident.yaml"));
        var passing = await CliRun.RunAsync("regress", "run", _gw.BundleDirectory, fixtures);
        var failing = await CliRun.RunAsync("regress", "run", changed, fixtures, "--json", "--junit", junit);
        var reverted = await CliRun.RunAsync("regress", "run", _gw.BundleDirectory, fixtures);

        Assert.True(init.ExitCode == 0, init.Out + init.Error);
        Assert.Contains("Wrote 3 fixture(s) of evidence pack pack.zip", init.Out, StringComparison.Ordinal);
        Assert.True(passing.ExitCode == 0, passing.Out + passing.Error);
        Assert.Equal(5, failing.ExitCode);
        using var body = JsonDocument.Parse(failing.Out);
        var top = body.RootElement.GetProperty("top_failure_reason").GetString()!;
        Assert.Contains("decision allow → block", top, StringComparison.Ordinal);
        Assert.Contains("now failing: tool_permission", top, StringComparison.Ordinal);
        Assert.Contains("<failure", File.ReadAllText(junit), StringComparison.Ordinal);
        Assert.Equal(0, reverted.ExitCode);
    }

    [Fact]
    public async Task RegressInit_FromATamperedPack_RefusesWithExit2()
    {
        var (pack, _) = await ExportRunAsync();
        PackZip.Rewrite(pack, "records.jsonl", static text => text.Replace("\"decision\":\"block\"", "\"decision\":\"allow\"", StringComparison.Ordinal));

        var init = await CliRun.RunAsync("regress", "init", "--from", pack, "-o", Path.Combine(Path.GetDirectoryName(pack)!, "never.yaml"));

        Assert.Equal(2, init.ExitCode);
        Assert.Contains("pack_not_verified", init.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(Path.GetDirectoryName(pack)!, "never.yaml")));
    }

    [Fact]
    public async Task RegressInit_FromAPackTheGivenKeysDidNotSign_RefusesWithExit2()
    {
        var (pack, _) = await ExportRunAsync();
        var keys = Path.Combine(Path.GetDirectoryName(pack)!, "other-keys.json");
        File.WriteAllText(keys, """{"keys":[]}""");

        var trusted = await CliRun.RunAsync("regress", "init", "--from", pack, "--jwks", keys, "-o", Path.Combine(Path.GetDirectoryName(pack)!, "never.yaml"));
        var own = await CliRun.RunAsync("regress", "init", "--from", pack, "-o", Path.Combine(Path.GetDirectoryName(pack)!, "own.yaml"));

        Assert.Equal(2, trusted.ExitCode);
        Assert.Contains("pack_not_verified", trusted.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(Path.GetDirectoryName(pack)!, "never.yaml")));
        Assert.True(own.ExitCode == 0, own.Out + own.Error);
        Assert.Contains("warning: verifying with the pack's own jwks.json", own.Error, StringComparison.Ordinal);
    }

    private async Task<(string Pack, CliResult Export)> ExportRunAsync(params string[] options)
    {
        var run = await _gw.StartRunAsync();
        Assert.Equal(HttpStatusCode.OK, await _gw.EvaluateInRunAsync(run, ReadContact));
        Assert.Equal(HttpStatusCode.OK, await _gw.EvaluateInRunAsync(run, Shell));
        Assert.Equal(HttpStatusCode.OK, await _gw.EvaluateInRunAsync(run, ReadContact));
        var pack = Path.Combine(Directory.CreateTempSubdirectory("gatewayctl-pack-").FullName, "pack.zip");
        var export = await _gw.RunAsync(DemoGateway.AdminToken, ["evidence", "export", "--tenant", DemoGateway.Tenant, "--run-id", run, "-o", pack, .. options]);
        Assert.True(export.ExitCode == 0, export.Out + export.Error);
        return (pack, export);
    }
}
