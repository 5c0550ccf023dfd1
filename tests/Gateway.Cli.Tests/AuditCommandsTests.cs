using System.Text.Json;
using System.Text.Json.Nodes;

namespace Gateway.Cli.Tests;

/// <summary>
/// <c>audit verify --file</c> and the tenant of an export: an export's chains are sealed with hashes anyone can compute,
/// so an intact export of another tenant verifies as well; the verdict names the tenant its lines name (text and
/// <c>--json</c>), and <c>--expect-tenant</c> fails an export of any other (<c>tenant_mismatch</c>, exit 2).
/// </summary>
public sealed class AuditCommandsTests
{
    [Fact]
    public async Task VerifyFile_ExpectTenant_OtherTenantsExportFails()
    {
        var file = WriteExport();

        var other = await CliRun.RunAsync("audit", "verify", "--file", file, "--expect-tenant", "globex");
        var otherJson = await CliRun.RunAsync("audit", "verify", "--file", file, "--expect-tenant", "globex", "--json");
        var own = await CliRun.RunAsync("audit", "verify", "--file", file, "--expect-tenant", SealedPack.Tenant);

        Assert.True(other.ExitCode == 2, other.Out + other.Error);
        Assert.Contains($"Export {file} BROKEN: tenant_mismatch (the export is of tenant {SealedPack.Tenant}, you expected globex)", other.Out, StringComparison.Ordinal);
        using (var body = JsonDocument.Parse(otherJson.Out))
        {
            Assert.False(body.RootElement.GetProperty("intact").GetBoolean());
            Assert.Equal("tenant_mismatch", body.RootElement.GetProperty("reason").GetString());
            Assert.Equal(SealedPack.Tenant, body.RootElement.GetProperty("tenant").GetString());
        }

        Assert.True(own.ExitCode == 0, own.Out + own.Error);
        Assert.Contains($"Export {file} of tenant {SealedPack.Tenant} intact: 2 records in 1 chains", own.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task VerifyFile_WithoutExpectTenant_NamesTheExportsTenantInTextAndJson()
    {
        var file = WriteExport();

        var text = await CliRun.RunAsync("audit", "verify", "--file", file);
        var json = await CliRun.RunAsync("audit", "verify", "--file", file, "--json");

        Assert.True(text.ExitCode == 0, text.Out + text.Error);
        Assert.Contains($"Export {file} of tenant {SealedPack.Tenant} intact", text.Out, StringComparison.Ordinal);
        using var body = JsonDocument.Parse(json.Out);
        Assert.True(body.RootElement.GetProperty("intact").GetBoolean());
        Assert.Equal(SealedPack.Tenant, body.RootElement.GetProperty("tenant").GetString());
    }

    [Fact]
    public async Task VerifyFile_ExpectTenantWithTenant_IsInvalidInput()
    {
        var result = await CliRun.RunAsync("audit", "verify", "--tenant", "acme", "--expect-tenant", "acme");

        Assert.True(result.ExitCode == 6, result.Out + result.Error);
        Assert.Contains("error: invalid_input: --expect-tenant", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task VerifyFile_LineWithLoneSurrogateReplica_Exit2NamingTheLine()
    {
        var file = WriteExport();
        var lines = File.ReadAllLines(file);
        lines[1] = lines[1].Replace("\"replica\":\"", "\"replica\":\"\\ud800", StringComparison.Ordinal);
        File.WriteAllLines(file, lines);

        var text = await CliRun.RunAsync("audit", "verify", "--file", file);
        var json = await CliRun.RunAsync("audit", "verify", "--file", file, "--json");

        Assert.True(text.ExitCode == 2, text.Out + text.Error);
        Assert.Contains($"Export {file} BROKEN at line 2: malformed_record", text.Out, StringComparison.Ordinal);
        Assert.True(json.ExitCode == 2, json.Out + json.Error);
        using var body = JsonDocument.Parse(json.Out);
        Assert.Equal(2, body.RootElement.GetProperty("broken_at_line").GetInt64());
        Assert.Equal("malformed_record", body.RootElement.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task Verify_FileWhoseRecordsHoldTerminalEscapes_PrintsThemEscaped()
    {
        // Seals are hashes anyone can compute: whoever wrote the export chose its tenant, replica and request ids.
        const string Hostile = "\u001b[2A\r\u202e";
        var first = SealedLines.Seal(new JsonObject
        {
            ["seq"] = 1, ["tenant"] = "acme" + Hostile, ["replica"] = "gateway-0" + Hostile, ["time"] = "2026-12-01T09:00:00Z",
            ["prev_hash"] = new string('0', 64), ["agent"] = "agent-1", ["tool"] = "crm.read", ["request_id"] = "req-1", ["decision"] = "block", ["status_code"] = 403,
        }.ToJsonString());
        var file = Path.Combine(Directory.CreateTempSubdirectory("gatewayctl-export-").FullName, "export.jsonl");
        File.WriteAllLines(file, [first]);

        var result = await CliRun.RunAsync("audit", "verify", "--file", file);

        Assert.True(result.ExitCode == 0, result.Out + result.Error);
        TerminalAssert.IsInert(result.Out);
        Assert.Contains(@"replica gateway-0\u{1B}[2A\u{D}\u{202E}: from genesis", result.Out, StringComparison.Ordinal);
        Assert.Contains(@"of tenant acme\u{1B}[2A\u{D}\u{202E} intact", result.Out, StringComparison.Ordinal);
    }

    // Two sealed records of tenant acme from genesis, as `audit export` writes them.
    private static string WriteExport()
    {
        var chain = new SealedPack();
        chain.Append(new JsonObject { ["agent"] = "agent-1", ["tool"] = "crm.read", ["request_id"] = "req-1", ["decision"] = "block", ["status_code"] = 403 });
        chain.Append(new JsonObject { ["agent"] = "agent-1", ["tool"] = "crm.read", ["request_id"] = "req-2", ["decision"] = "block", ["status_code"] = 403 });
        var file = Path.Combine(Directory.CreateTempSubdirectory("gatewayctl-export-").FullName, "export.jsonl");
        File.WriteAllLines(file, chain.Lines);
        return file;
    }
}
