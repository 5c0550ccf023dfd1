using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Policy.Evidence;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Cli.Tests;

/// <summary>
/// A pack's records.jsonl edited by someone who can have the manifest signed again (any auditor token can,
/// <see cref="PackZip.ResignAsync"/>): each record must be its proven line member for member, both ways, the one addition
/// being the explanation resolved from the line's digest, which must hash to it; and "outcome unknown" is counted from the
/// proven lines, so an edited record can neither hide nor fake one. Against the real gateway on Kestrel.
/// </summary>
public sealed class EvidencePackRecordBindingTests : IAsyncLifetime
{
    private const string ReadContact = """{"tool":"crm.read_contact","args":{"id":"c-1"}}""";
    private const string Shell = """{"tool":"shell.exec","args":{"cmd":"ls"}}""";
    private const string Lost = "req-outcome-lost";
    private DemoGateway _gw = null!;

    public async Task InitializeAsync()
    {
        _gw = await DemoGateway.StartAsync();

        // A decision whose outcome was never appended (the gateway died after answering): "outcome unknown" in its pack.
        await _gw.AppendDecisionWithoutOutcomeAsync(Lost);
    }

    public async Task DisposeAsync() => await _gw.DisposeAsync();

    [Fact]
    public async Task EvidenceVerify_UntouchedPackResigned_Verifies()
    {
        var pack = await ExportRunAsync();
        await PackZip.ResignAsync(_gw, pack, DemoGateway.AdminToken, "records.jsonl");

        var result = await CliRun.RunAsync("evidence", "verify", pack);

        Assert.True(result.ExitCode == 0, result.Out + result.Error);
    }

    [Fact]
    public async Task EvidenceVerify_MemberOutsideTheOldBoundListEdited_NamesTheRecordAndMember()
    {
        var pack = await ExportRunAsync();
        var line = await EditRecordAsync(pack, static r => r["prev_hash"] is not null, static r => r["prev_hash"] = new string('0', 64));

        var result = await VerifyAsync(pack);

        AssertAltered(result, line, "prev_hash differs from the proven record");
    }

    [Fact]
    public async Task EvidenceVerify_WorkspaceEdited_NamesTheRecordAndMember()
    {
        var pack = await ExportRunAsync();
        var line = await EditRecordAsync(pack, static r => r["workspace"] is not null, static r => r["workspace"] = "ws-other");

        var result = await VerifyAsync(pack);

        AssertAltered(result, line, "workspace differs from the proven record");
    }

    [Fact]
    public async Task EvidenceVerify_ApprovalIdAddedToABlock_NamesTheRecordAndMember()
    {
        var pack = await ExportRunAsync();
        var line = await EditRecordAsync(pack, static r => (string?)r["decision"] == "block", static r => r["approval_id"] = "apr-forged");

        var result = await VerifyAsync(pack);

        AssertAltered(result, line, "approval_id is not in the proven record");
    }

    [Fact]
    public async Task EvidenceVerify_MemberDropped_NamesTheRecordAndMember()
    {
        var pack = await ExportRunAsync();
        var line = await EditRecordAsync(pack, static r => r["failing_controls"] is not null, static r => r.Remove("failing_controls"));

        var result = await VerifyAsync(pack);

        AssertAltered(result, line, "failing_controls is missing (the proven record has it)");
    }

    [Fact]
    public async Task EvidenceVerify_ExplanationAddedToARecordWithoutDigest_NamesTheRecord()
    {
        var pack = await ExportRunAsync();
        var line = await EditRecordAsync(
            pack, static r => r["explanation_digest"] is null && r["explanation"] is null, static r => r["explanation"] = new JsonObject { ["summary"] = "forged" });

        var result = await VerifyAsync(pack);

        AssertAltered(result, line, "explanation is not in the proven record, which names no explanation_digest");
    }

    [Fact]
    public async Task EvidenceVerify_ExplanationFabricatedWithItsFileRewritten_NamesTheRecordsExplanation()
    {
        var pack = await ExportRunAsync();
        string? digest = null;
        var line = await EditRecordAsync(pack, r => r["explanation"] is JsonObject && (digest = (string?)r["explanation_digest"]) is not null, static r =>
        {
            var explanation = r["explanation"]!.AsObject();
            explanation["summary"] = "forged";
        });
        var file = $"explanations/{digest}.json";

        // The explanation file rewritten to the fabricated one too (less the record's own intent digest, as packs store it).
        PackZip.Rewrite(pack, file, text =>
        {
            var stored = JsonNode.Parse(text)!.AsObject();
            stored["summary"] = "forged";
            return stored.ToJsonString();
        });
        await PackZip.ResignAsync(_gw, pack, DemoGateway.AdminToken, "records.jsonl", file);

        var result = await VerifyAsync(pack);

        Assert.Equal(2, result.ExitCode);
        Assert.True(result.Out.Contains($"explanation_altered: records.jsonl line {line} (replica ", StringComparison.Ordinal), result.Out);
        Assert.True(result.Out.Contains("its explanation does not hash to the proven record's explanation_digest", StringComparison.Ordinal), result.Out);
        Assert.True(result.Out.Contains($"explanation_altered: {file} does not hash to its name", StringComparison.Ordinal), result.Out);
        Assert.DoesNotContain("manifest_", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EvidenceVerify_StatusCodeAddedToADecisionWithoutOutcome_NamesTheRecordAndStillCountsItUnknown()
    {
        var pack = await ExportAsync("--request-id", Lost);
        var line = await EditRecordAsync(pack, static r => (string?)r["request_id"] == Lost, static r => r["status_code"] = 200);

        var result = await VerifyAsync(pack);
        var json = await CliRun.RunAsync("evidence", "verify", pack, "--json");

        AssertAltered(result, line, "status_code is not in the proven record");
        using var body = JsonDocument.Parse(json.Out);
        Assert.False(body.RootElement.GetProperty("verified").GetBoolean());
        Assert.Equal(1, body.RootElement.GetProperty("outcome_unknown").GetInt64());
        Assert.Equal(Lost, Assert.Single(body.RootElement.GetProperty("outcome_unknown_request_ids").EnumerateArray()).GetString());
    }

    [Fact]
    public async Task EvidenceVerify_StatusCodeRemovedFromAnAnsweredRecord_NamesTheRecordAndCountsNoOutcomeUnknown()
    {
        var pack = await ExportRunAsync();
        var line = await EditRecordAsync(pack, static r => r["status_code"] is not null && r["outcomes"] is null, static r =>
        {
            r.Remove("status_code");
            r.Remove("invoked");
        });

        var result = await VerifyAsync(pack);
        var json = await CliRun.RunAsync("evidence", "verify", pack, "--json");

        AssertAltered(result, line, "status_code is missing (the proven record has it)");
        using var body = JsonDocument.Parse(json.Out);
        Assert.Equal(0, body.RootElement.GetProperty("outcome_unknown").GetInt64());
    }

    [Theory]
    [InlineData(1, null)]
    [InlineData(0, "other-replica")]
    public async Task EvidenceVerify_ReceiptSignedForAProvenLeafAtAnotherPlace_IsRefusedAsUnbound(long indexOffset, string? otherReplica)
    {
        var run = await RunAsync();
        var first = await ExportAsync("--run-id", run);
        using var proof = JsonDocument.Parse(PackZip.Read(first, PackZip.FirstEntry(first, "proofs/")));
        var (leafHash, leafIndex) = (proof.RootElement.GetProperty("leaf_hash").GetString()!, proof.RootElement.GetProperty("leaf_index").GetInt64());
        var replica = proof.RootElement.GetProperty("checkpoint").GetProperty("replica").GetString()!;

        // A receipt the gateway's own key signed, naming a leaf the pack proves but another place for it.
        var forged = new DecisionReceipt
        {
            Tenant = DemoGateway.Tenant,
            Replica = otherReplica ?? replica,
            RequestId = "req-forged",
            Agent = "demo-agent",
            Decision = "allow",
            LeafIndex = leafIndex + indexOffset,
            LeafHash = leafHash,
            RecordHash = new string('0', 64),
            IssuedAt = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
        }.Sign(_gw.Services.GetRequiredService<ReceiptKeyRing>().Active);
        var receipts = Path.Combine(Path.GetDirectoryName(first)!, "receipts.txt");
        await File.WriteAllTextAsync(receipts, forged + "\n");
        var pack = await ExportAsync("--run-id", run, "--receipts", receipts);

        var result = await VerifyAsync(pack);

        Assert.Equal(2, result.ExitCode);
        Assert.True(result.Out.Contains(
            $"places leaf {leafHash} at tenant {DemoGateway.Tenant} replica {otherReplica ?? replica} leaf_index {leafIndex + indexOffset}; the pack proves it at tenant {DemoGateway.Tenant} replica {replica} leaf_index {leafIndex}",
            StringComparison.Ordinal), result.Out);
        Assert.Single(result.Out.Split('\n'), static l => l.Contains("receipt_", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("Records.jsonl")]
    [InlineData("summary.md")]
    [InlineData("explanations/eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee.json")]
    public async Task EvidenceVerify_EntryOutsideThePackLayoutAddedAndSignedAgain_IsFileUnexpected(string name)
    {
        // Listed in a manifest signed again, so its hash holds: a second, altered records file a reader may take for the
        // pack's, a summary that contradicts it, an explanation no record names.
        var pack = await ExportRunAsync();
        PackZip.Add(pack, name, name switch
        {
            "Records.jsonl" => PackZip.Read(pack, "records.jsonl").Replace("\"decision\":\"block\"", "\"decision\":\"allow\"", StringComparison.Ordinal),
            "summary.md" => "All actions were blocked.\n",
            _ => """{"summary":"All actions were blocked."}""",
        });
        await PackZip.ResignAsync(_gw, pack, DemoGateway.AdminToken, name);

        var result = await VerifyAsync(pack);

        Assert.Equal(2, result.ExitCode);
        Assert.True(result.Out.Contains($"file_unexpected: {name} ", StringComparison.Ordinal), result.Out);
        Assert.DoesNotContain("manifest_", result.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("file_unlisted", result.Out, StringComparison.Ordinal);
    }

    private static void AssertAltered(CliResult result, int line, string difference)
    {
        Assert.Equal(2, result.ExitCode);
        Assert.Matches($@"record_altered: records\.jsonl line {line} \(replica \S+ seq \d+\): {System.Text.RegularExpressions.Regex.Escape(difference)}", result.Out);
        Assert.DoesNotContain("manifest_", result.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("file_altered", result.Out, StringComparison.Ordinal);
    }

    private static Task<CliResult> VerifyAsync(string pack) => CliRun.RunAsync("evidence", "verify", pack);

    // Edits the first record of the pack that `pick` chooses, has the manifest signed again, and returns its line number.
    private async Task<int> EditRecordAsync(string pack, Func<JsonObject, bool> pick, Action<JsonObject> edit)
    {
        var lines = PackZip.Read(pack, "records.jsonl").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var index = Array.FindIndex(lines, l => pick(JsonNode.Parse(l)!.AsObject()));
        Assert.True(index >= 0, "no record to edit in: " + string.Join('\n', lines));
        var record = JsonNode.Parse(lines[index])!.AsObject();
        edit(record);
        lines[index] = record.ToJsonString();
        PackZip.Rewrite(pack, "records.jsonl", _ => string.Join('\n', lines) + "\n");
        await PackZip.ResignAsync(_gw, pack, DemoGateway.AdminToken, "records.jsonl");
        return index + 1;
    }

    // The pack of a run's records: its start, two reads (one forwarded, with its outcome) and a blocked shell command.
    private async Task<string> ExportRunAsync() => await ExportAsync("--run-id", await RunAsync());

    private async Task<string> RunAsync()
    {
        var run = await _gw.StartRunAsync();
        Assert.Equal(HttpStatusCode.OK, await _gw.EvaluateInRunAsync(run, ReadContact));
        Assert.Equal(HttpStatusCode.OK, await _gw.EvaluateInRunAsync(run, Shell));
        await _gw.InvokeInRunAsync(run, ReadContact);
        return run;
    }

    private async Task<string> ExportAsync(params string[] selection)
    {
        var pack = Path.Combine(Directory.CreateTempSubdirectory("gatewayctl-binding-").FullName, "pack.zip");
        var export = await _gw.RunAsync(DemoGateway.AdminToken, ["evidence", "export", "--tenant", DemoGateway.Tenant, .. selection, "-o", pack]);
        Assert.True(export.ExitCode == 0, export.Out + export.Error);
        return pack;
    }
}
