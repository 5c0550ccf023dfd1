using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Gateway.Cli.Tests;

/// <summary>
/// <c>gatewayctl evidence export --from/--to</c> against the real gateway on Kestrel: the times signed into the pack's
/// manifest in the one form the verifier reads, whatever form they were typed in; an unreadable time refused before
/// anything is asked; a record left out of a range found, whatever the manifest signed again says the selection is.
/// </summary>
public sealed class EvidenceExportTimeRangeTests : IAsyncLifetime
{
    private const string ReadContact = """{"tool":"crm.read_contact","args":{"id":"c-1"}}""";
    private DemoGateway _gw = null!;

    public async Task InitializeAsync() => _gw = await DemoGateway.StartAsync();

    public async Task DisposeAsync() => await _gw.DisposeAsync();

    [Fact]
    public async Task EvidenceExport_TimesWithoutAnOffset_AreSignedAsUtcAndTheRangeVerifies()
    {
        // "2026-12-01 09:00:00" reads as UTC at the gateway; the signed manifest holds it in the one form the verifier
        // reads, so the verifier checks every record against the same window on any machine.
        var from = DateTimeOffset.UtcNow.AddMinutes(-1);
        await _gw.EvaluateAsync(ReadContact);
        var to = DateTimeOffset.UtcNow.AddMinutes(5);
        var pack = Path.Combine(Directory.CreateTempSubdirectory("gatewayctl-pack-").FullName, "pack.zip");
        const string Spaced = "yyyy-MM-dd HH:mm:ss";

        var export = await _gw.RunAsync(DemoGateway.AdminToken, "evidence", "export", "--tenant", DemoGateway.Tenant,
            "--from", from.ToString(Spaced, CultureInfo.InvariantCulture), "--to", to.ToString(Spaced, CultureInfo.InvariantCulture), "-o", pack);
        var verified = await CliRun.RunAsync("evidence", "verify", pack);
        var unreadable = await _gw.RunAsync(DemoGateway.AdminToken, "evidence", "export", "--tenant", DemoGateway.Tenant,
            "--from", "yesterday", "--to", to.ToString(Spaced, CultureInfo.InvariantCulture), "-o", Path.Combine(Path.GetTempPath(), "never.zip"));

        Assert.True(export.ExitCode == 0, export.Out + export.Error);
        using var manifest = JsonDocument.Parse(PackZip.Read(pack, "manifest.json"));
        var selection = manifest.RootElement.GetProperty("selection");
        Assert.Equal(new DateTimeOffset(from.Year, from.Month, from.Day, from.Hour, from.Minute, from.Second, TimeSpan.Zero).ToString("O", CultureInfo.InvariantCulture),
            selection.GetProperty("from").GetString());
        Assert.EndsWith("+00:00", selection.GetProperty("to").GetString(), StringComparison.Ordinal);
        Assert.True(verified.ExitCode == 0, verified.Out + verified.Error);
        Assert.Equal(6, unreadable.ExitCode);
        Assert.Contains("--from must be a time", unreadable.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_MiddleRecordDroppedAndManifestSignedAgain_NamesTheGap()
    {
        // A chain's times never go back along its seqs, so a time range holds every record of a chain between two of its records.
        var from = DateTimeOffset.UtcNow.AddMinutes(-1);
        foreach (var id in new[] { "c-1", "c-2", "c-3" })
        {
            await _gw.EvaluateAsync(ReadContact.Replace("c-1", id, StringComparison.Ordinal));
        }

        var pack = await ExportAsync(from, DateTimeOffset.UtcNow.AddMinutes(5));
        var (replica, seq) = await DropMiddleAsync(pack, selection: null);

        var verified = await CliRun.RunAsync("evidence", "verify", pack);

        Assert.Equal(2, verified.ExitCode);
        Assert.True(verified.Out.Contains($"record_gap: replica {replica} seq {seq} ", StringComparison.Ordinal), verified.Out);
        Assert.DoesNotContain("manifest_", verified.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("file_", verified.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_MiddleRecordDroppedSelectionRemovedAndManifestSignedAgain_IsNotVerified()
    {
        // Without its selection (or with one the exporter never writes) the pack would have no range to find the gap in.
        var from = DateTimeOffset.UtcNow.AddMinutes(-1);
        foreach (var id in new[] { "c-1", "c-2", "c-3" })
        {
            await _gw.EvaluateAsync(ReadContact.Replace("c-1", id, StringComparison.Ordinal));
        }

        var removed = await ExportAsync(from, DateTimeOffset.UtcNow.AddMinutes(5));
        var extended = Path.Combine(Path.GetDirectoryName(removed)!, "extended.zip");
        File.Copy(removed, extended);
        await DropMiddleAsync(removed, selection: m => m.Remove("selection"));
        await DropMiddleAsync(extended, selection: m => m["selection"]!["approval_id"] = "apr_x");

        var verified = await CliRun.RunAsync("evidence", "verify", removed);
        var json = await CliRun.RunAsync("evidence", "verify", removed, "--json");
        var other = await CliRun.RunAsync("evidence", "verify", extended);

        Assert.Equal(2, verified.ExitCode);
        Assert.True(verified.Out.Contains("malformed: manifest.json's selection is missing", StringComparison.Ordinal), verified.Out);
        Assert.DoesNotContain(" verified:", verified.Out, StringComparison.Ordinal);
        Assert.Equal(2, json.ExitCode);
        using (var body = JsonDocument.Parse(json.Out))
        {
            Assert.False(body.RootElement.GetProperty("verified").GetBoolean());
            Assert.Equal(JsonValueKind.Null, body.RootElement.GetProperty("selection").ValueKind);
        }

        Assert.Equal(2, other.ExitCode);
        Assert.True(other.Out.Contains("malformed: manifest.json's selection is ", StringComparison.Ordinal) && other.Out.Contains("approval_id=apr_x", StringComparison.Ordinal), other.Out);
    }

    [Fact]
    public async Task Verify_SelectionChangedAndSignedAgain_OutputNamesTheSelection()
    {
        // One request's records (same arguments, one intent) passed off as an approval's: every proof holds, so the output
        // must say what the pack claims was exported, for the auditor to compare with what they asked for.
        var from = DateTimeOffset.UtcNow.AddMinutes(-1);
        for (var i = 0; i < 3; i++)
        {
            await _gw.EvaluateAsync(ReadContact);
        }

        var pack = await ExportAsync(from, DateTimeOffset.UtcNow.AddMinutes(5));
        await DropMiddleAsync(pack, selection: m => m["selection"] = new JsonObject { ["approval_id"] = "apr_x" });

        var text = await CliRun.RunAsync("evidence", "verify", pack);
        var json = await CliRun.RunAsync("evidence", "verify", pack, "--json");

        Assert.True(text.Out.Contains("  selection: approval_id=apr_x", StringComparison.Ordinal), text.Out);
        using var body = JsonDocument.Parse(json.Out);
        Assert.Equal("apr_x", body.RootElement.GetProperty("selection").GetProperty("approval_id").GetString());
        Assert.Single(body.RootElement.GetProperty("selection").EnumerateObject());
    }

    [Fact]
    public async Task Verify_ExpectSelection_OtherThanThePacksIsSelectionMismatch()
    {
        // The auditor states what they exported; the pack's signed selection must be it (times compared as instants).
        var from = DateTimeOffset.UtcNow.AddMinutes(-1);
        await _gw.EvaluateAsync(ReadContact);
        var to = DateTimeOffset.UtcNow.AddMinutes(5);
        var pack = await ExportAsync(from, to);
        var (fromZ, toZ) = ("from=" + from.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture), "to=" + to.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture));
        var swapped = Path.Combine(Path.GetDirectoryName(pack)!, "swapped.zip");
        File.Copy(pack, swapped);
        PackZip.Rewrite(swapped, "manifest.json", text =>
        {
            var manifest = JsonNode.Parse(text)!;
            manifest["selection"] = new JsonObject { ["run_id"] = "run-other" };
            return manifest.ToJsonString();
        });
        await PackZip.ResignAsync(_gw, swapped, DemoGateway.AdminToken);

        var same = await CliRun.RunAsync("evidence", "verify", pack, "--expect-selection", fromZ, "--expect-selection", toZ);
        var other = await CliRun.RunAsync("evidence", "verify", pack, "--expect-selection", "request_id=req-1");
        var changed = await CliRun.RunAsync("evidence", "verify", swapped, "--json", "--expect-selection", fromZ, "--expect-selection", toZ);
        var half = await CliRun.RunAsync("evidence", "verify", pack, "--expect-selection", fromZ);

        Assert.True(same.ExitCode == 0, same.Out + same.Error);
        Assert.Equal(2, other.ExitCode);
        Assert.True(other.Out.Contains("selection_mismatch: the pack selects from=", StringComparison.Ordinal) && other.Out.Contains("you expected request_id=req-1", StringComparison.Ordinal), other.Out);
        Assert.Equal(2, changed.ExitCode);
        using (var body = JsonDocument.Parse(changed.Out))
        {
            Assert.Contains(body.RootElement.GetProperty("problems").EnumerateArray(), static p => p.GetString()!.StartsWith("selection_mismatch: the pack selects run_id=run-other, you expected from=", StringComparison.Ordinal));
        }

        Assert.Equal(6, half.ExitCode);
        Assert.Contains("--expect-selection", half.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_PackWithNoRecords_IsNotVerified()
    {
        // A range before anything was recorded: the export says 0 records; the pack proves nothing, so it is not "verified".
        var pack = await ExportAsync(new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2000, 1, 2, 0, 0, 0, TimeSpan.Zero));

        var verified = await CliRun.RunAsync("evidence", "verify", pack);
        var json = await CliRun.RunAsync("evidence", "verify", pack, "--json");
        var allowed = await CliRun.RunAsync("evidence", "verify", pack, "--allow-empty");

        Assert.Equal(2, verified.ExitCode);
        Assert.Contains("no_records: the pack holds no record", verified.Out, StringComparison.Ordinal);
        Assert.DoesNotContain(" verified:", verified.Out, StringComparison.Ordinal);
        Assert.Equal(2, json.ExitCode);
        using (var body = JsonDocument.Parse(json.Out))
        {
            Assert.False(body.RootElement.GetProperty("verified").GetBoolean());
        }

        Assert.True(allowed.ExitCode == 0, allowed.Out + allowed.Error);
        Assert.Contains("verified: 0 records", allowed.Out, StringComparison.Ordinal);
    }

    // Drops the pack's second record with its proof and the receipts, applies selection to the manifest, and has it signed again.
    private async Task<(string Replica, long Seq)> DropMiddleAsync(string pack, Action<JsonObject>? selection)
    {
        var lines = PackZip.Read(pack, "records.jsonl").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length >= 3, string.Join('\n', lines));
        using var dropped = JsonDocument.Parse(lines[1]);
        var (replica, seq) = (dropped.RootElement.GetProperty("replica").GetString()!, dropped.RootElement.GetProperty("seq").GetInt64());
        PackZip.Rewrite(pack, "records.jsonl", _ => string.Concat(lines.Where((_, i) => i != 1).Select(static l => l + "\n")));
        PackZip.Remove(pack, $"proofs/{replica}-{seq}.json");
        PackZip.Remove(pack, "receipts.jsonl");
        PackZip.Rewrite(pack, "manifest.json", text =>
        {
            var manifest = JsonNode.Parse(text)!.AsObject();
            selection?.Invoke(manifest);
            return manifest.ToJsonString();
        });
        await PackZip.ResignAsync(_gw, pack, DemoGateway.AdminToken, "records.jsonl");
        return (replica, seq);
    }

    private async Task<string> ExportAsync(DateTimeOffset from, DateTimeOffset to)
    {
        var pack = Path.Combine(Directory.CreateTempSubdirectory("gatewayctl-pack-").FullName, "pack.zip");
        var export = await _gw.RunAsync(DemoGateway.AdminToken, "evidence", "export", "--tenant", DemoGateway.Tenant,
            "--from", from.ToString("O", CultureInfo.InvariantCulture), "--to", to.ToString("O", CultureInfo.InvariantCulture), "-o", pack);
        Assert.True(export.ExitCode == 0, export.Out + export.Error);
        return pack;
    }
}
