using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;

namespace Gateway.Cli.Tests;

/// <summary>
/// The auditor's journey (issue #46) against the real gateway on Kestrel: a gateway that recorded allowed, refused,
/// folded and approved decisions whose arguments differ (so records share explanations but not intent digests)
/// exports a pack by time range, the pack verifies, and each kind of file in it, once edited, is refused with its code.
/// </summary>
public sealed class EvidencePackJourneyTests : IAsyncLifetime
{
    private DemoGateway _gw = null!;

    // The bursts below (40 requests a round, until one folds) would run the demo agent into its 120-a-minute limit, and
    // the approvals after them would be refused with 429: this gateway lets the agent make more.
    public async Task InitializeAsync() => _gw = await DemoGateway.StartAsync(rewrite: static yaml =>
    {
        const string limit = "{ scope: agent, agent: demo-agent, limit: 120, window: 1m }";
        Assert.Contains(limit, yaml, StringComparison.Ordinal);
        return yaml.Replace(limit, "{ scope: agent, agent: demo-agent, limit: 1000, window: 1m }", StringComparison.Ordinal);
    });

    public async Task DisposeAsync() => await _gw.DisposeAsync();

    [Fact]
    public async Task EvidenceExportThenVerify_DecisionsOfEveryKindWithDifferingArguments_VerifiesAndEveryTamperedFileIsRefused()
    {
        var from = DateTimeOffset.UtcNow.AddMinutes(-1);
        await RecordDecisionsOfEveryKindAsync();
        var pack = Path.Combine(Directory.CreateTempSubdirectory("gatewayctl-journey-").FullName, "pack.zip");
        var export = await _gw.RunAsync(
            DemoGateway.AdminToken, "evidence", "export", "--tenant", DemoGateway.Tenant, "--from", Iso(from), "--to", Iso(DateTimeOffset.UtcNow.AddMinutes(5)),
            "--with-bundle", _gw.BundleDirectory, "-o", pack);
        Assert.True(export.ExitCode == 0, export.Out + export.Error);

        var verified = await CliRun.RunAsync("evidence", "verify", pack);

        Assert.True(verified.ExitCode == 0, verified.Out + verified.Error);
        var records = PackZip.Read(pack, "records.jsonl");
        Assert.Contains("\"decisions\":[", records, StringComparison.Ordinal);
        Assert.Contains("\"approval_id\":\"apr_", records, StringComparison.Ordinal);
        Assert.True(PackZip.Entries(pack, "explanations/").Count < records.Split('\n', StringSplitOptions.RemoveEmptyEntries).Count(static l => l.Contains("\"explanation_digest\"", StringComparison.Ordinal)),
            "records share explanations");

        var refused = new List<string>();
        foreach (var (file, edit, code) in Tampers(pack))
        {
            var copy = Path.Combine(Path.GetDirectoryName(pack)!, "tampered-" + refused.Count.ToString(CultureInfo.InvariantCulture) + ".zip");
            File.Copy(pack, copy);
            PackZip.Rewrite(copy, file, edit);
            var result = await CliRun.RunAsync("evidence", "verify", copy);
            Assert.True(result.ExitCode == 2 && result.Out.Contains(code, StringComparison.Ordinal), $"{file} edited: expected exit 2 naming {code}, got {result.ExitCode}:\n{result.Out}{result.Error}");
            refused.Add(file);
        }

        Assert.Equal(9, refused.Count);
    }

    // Allowed and refused decisions with differing arguments, a burst that the journal folds, and an approved refund.
    private async Task RecordDecisionsOfEveryKindAsync()
    {
        foreach (var id in new[] { "c-1", "c-2", "c-3" })
        {
            await _gw.EvaluateAsync($$$"""{"tool":"crm.read_contact","args":{"id":"{{{id}}}"}}""");
        }

        foreach (var cmd in new[] { "ls", "rm -rf /" })
        {
            Assert.Equal(HttpStatusCode.OK, await _gw.EvaluateInRunAsync(await _gw.StartRunAsync(), $$$"""{"tool":"shell.exec","args":{"cmd":"{{{cmd}}}"}}"""));
        }

        // Concurrent refusals of one kind share a journal group and fold into one record (AuditGroupFold); until one did.
        for (var round = 0; round < 10 && !await AnyFoldedAsync(); round++)
        {
            var run = await _gw.StartRunAsync();
            var burst = Enumerable.Range(0, 40).Select(i => _gw.InvokeInRunAsync(run, $$$"""{"tool":"shell.exec","args":{"cmd":"echo {{{round}}}-{{{i}}}"}}"""));
            Assert.All(await Task.WhenAll(burst), static status => Assert.True((int)status is >= 400 and < 500, status.ToString()));
        }

        var alice = await _gw.IssueTokenAsync("--name", "alice", "--role", "approver", "--tenant", DemoGateway.Tenant, "--person", "alice");
        foreach (var (order, amount) in new[] { ("o-1", 25), ("o-2", 40) })
        {
            var refund = $$$"""{"tool":"payments.refund","args":{"order":"{{{order}}}","amount":{{{amount}}}}}""";
            var id = await _gw.RequestApprovalAsync(refund);
            var approved = await _gw.RunAsync(alice, "approvals", "approve", id, "--tenant", DemoGateway.Tenant);
            Assert.True(approved.ExitCode == 0, approved.Error);
            await _gw.ActWithWarrantAsync(refund, await _gw.WarrantAsync(id));
        }
    }

    private async Task<bool> AnyFoldedAsync()
    {
        var query = await _gw.RunAsync(DemoGateway.AdminToken, "audit", "query", "--tenant", DemoGateway.Tenant, "--tool", "shell.exec", "--limit", "1000", "--json");
        return query.Out.Contains("\"decisions\"", StringComparison.Ordinal);
    }

    // Each kind of file in the pack, an edit to it and the code the verifier must name.
    private static IEnumerable<(string File, Func<string, string> Edit, string Code)> Tampers(string pack)
    {
        yield return ("records.jsonl", static text => text.Replace("\"decision\":\"block\"", "\"decision\":\"allow\"", StringComparison.Ordinal), "record_altered");
        yield return ("manifest.json", static text => text.Replace("\"tenant\": \"demo\"", "\"tenant\": \"other\"", StringComparison.Ordinal), "manifest_altered");
        yield return ("manifest.sig", static text => text.Trim()[..^4] + "AAAA", "manifest_signature_");
        yield return (PackZip.FirstEntry(pack, "checkpoints/"), static text => Edit(text, "checkpoint", static v => v!.GetValue<string>()[..^4] + "AAAA"), "checkpoint_");
        yield return (PackZip.FirstEntry(pack, "proofs/"), static text => Edit(text, "leaf_index", static v => v!.GetValue<long>() + 1), "inclusion_failed");
        yield return (PackZip.FirstEntry(pack, "explanations/"), static text => Edit(text, "edited", static _ => true), "explanation_altered");
        yield return ("receipts.jsonl", static text => text[..^2] + (text[^2] == 'A' ? "B" : "A") + "\n", "receipt_");
        yield return ("bundle-digest.json", static text => text.Replace("\"", "\" ", StringComparison.Ordinal), "file_altered: bundle-digest.json");
        yield return (PackZip.FirstEntry(pack, "bundle/"), static text => text + "\n# edited\n", "file_altered: bundle/");
    }

    private static string Edit(string text, string member, Func<JsonNode?, JsonNode?> change)
    {
        var node = JsonNode.Parse(text)!.AsObject();
        node[member] = change(node[member]?.DeepClone());
        return node.ToJsonString();
    }

    private static string Iso(DateTimeOffset time) => time.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
