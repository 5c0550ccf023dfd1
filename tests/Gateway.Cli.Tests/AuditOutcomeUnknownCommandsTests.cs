using System.Text.Json;

namespace Gateway.Cli.Tests;

/// <summary>
/// A chain holding a decision whose outcome was never appended (as a gateway killed right after answering leaves it, issue
/// #71): <c>gatewayctl audit verify</c> online and with <c>--file</c> on an export, and <c>evidence verify</c> on a pack of
/// that request, all say intact (verified) and name the request as "outcome unknown", never a broken chain.
/// </summary>
public sealed class AuditOutcomeUnknownCommandsTests : IAsyncLifetime
{
    private const string Lost = "req-killed-after-answering";
    private DemoGateway _gw = null!;
    private string _directory = null!;

    public async Task InitializeAsync()
    {
        _gw = await DemoGateway.StartAsync();
        _directory = Directory.CreateTempSubdirectory("gatewayctl-outcome-").FullName;

        // The decision record the Record stage writes before forwarding; the gateway died before the outcome's append.
        await _gw.AppendDecisionWithoutOutcomeAsync(Lost);
    }

    public async Task DisposeAsync()
    {
        await _gw.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task AuditVerify_DecisionWithoutItsOutcome_IntactAndNamesItOutcomeUnknownOnlineAndFromAFile()
    {
        var file = Path.Combine(_directory, "export.jsonl");

        var online = await _gw.RunAsync(DemoGateway.AdminToken, "audit", "verify", "--tenant", DemoGateway.Tenant);
        var export = await _gw.RunAsync(DemoGateway.AdminToken, "audit", "export", "--tenant", DemoGateway.Tenant, "--output", file);
        var offline = await CliRun.RunAsync("audit", "verify", "--file", file);
        var json = await CliRun.RunAsync("audit", "verify", "--file", file, "--json");

        Assert.True(online.ExitCode == 0, online.Out + online.Error);
        Assert.Contains("intact", online.Out, StringComparison.Ordinal);
        Assert.Contains($"outcome unknown: 1 decision(s) to be carried out have no outcome record (not a break; requests {Lost})", online.Out, StringComparison.Ordinal);
        Assert.True(export.ExitCode == 0, export.Out + export.Error);
        Assert.True(offline.ExitCode == 0, offline.Out + offline.Error);
        Assert.Contains("intact", offline.Out, StringComparison.Ordinal);
        Assert.Contains($"outcome unknown: 1 decision(s) to be carried out have no outcome record (not a break; requests {Lost})", offline.Out, StringComparison.Ordinal);
        using var body = JsonDocument.Parse(json.Out);
        Assert.True(body.RootElement.GetProperty("intact").GetBoolean());
        Assert.Equal(1, body.RootElement.GetProperty("outcome_unknown").GetInt64());
        Assert.Equal(Lost, Assert.Single(body.RootElement.GetProperty("outcome_unknown_request_ids").EnumerateArray()).GetString());
    }

    [Fact]
    public async Task EvidenceVerify_PackOfARequestWhoseOutcomeWasLost_VerifiesAndNamesItOutcomeUnknown()
    {
        var pack = Path.Combine(_directory, "pack.zip");

        var export = await _gw.RunAsync(DemoGateway.AdminToken, "evidence", "export", "--tenant", DemoGateway.Tenant, "--request-id", Lost, "-o", pack);
        var verified = await CliRun.RunAsync("evidence", "verify", pack);
        var json = await CliRun.RunAsync("evidence", "verify", pack, "--json");

        Assert.True(export.ExitCode == 0, export.Out + export.Error);
        Assert.True(verified.ExitCode == 0, verified.Out + verified.Error);
        Assert.Contains($"outcome unknown: 1 decision(s) to be carried out have no outcome record in the pack (requests {Lost})", verified.Out, StringComparison.Ordinal);
        using var body = JsonDocument.Parse(json.Out);
        Assert.True(body.RootElement.GetProperty("verified").GetBoolean());
        Assert.Equal(1, body.RootElement.GetProperty("outcome_unknown").GetInt64());
    }

    [Fact]
    public async Task AuditVerifyFile_EmptyExport_IsNotIntact()
    {
        // An empty file proves no chain: "no records", exit 2, unless the caller says an empty export is expected.
        var file = Path.Combine(_directory, "empty.jsonl");
        await File.WriteAllTextAsync(file, string.Empty);

        var offline = await CliRun.RunAsync("audit", "verify", "--file", file);
        var json = await CliRun.RunAsync("audit", "verify", "--file", file, "--json");
        var allowed = await CliRun.RunAsync("audit", "verify", "--file", file, "--allow-empty");

        Assert.Equal(2, offline.ExitCode);
        Assert.Contains("no records", offline.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("intact", offline.Out, StringComparison.Ordinal);
        Assert.Equal(2, json.ExitCode);
        using (var body = JsonDocument.Parse(json.Out))
        {
            Assert.False(body.RootElement.GetProperty("intact").GetBoolean());
            Assert.Equal("no_records", body.RootElement.GetProperty("reason").GetString());
        }

        Assert.True(allowed.ExitCode == 0, allowed.Out + allowed.Error);
        Assert.Contains("intact: 0 records", allowed.Out, StringComparison.Ordinal);
    }
}
