namespace Gateway.Cli.Tests;

/// <summary>
/// <c>gatewayctl evidence export --approval-id</c> against the real gateway on Kestrel, with a token of each role (issue
/// #68): the roles docs/evidence.md names (auditor, admin) export the approval's records into a pack that verifies;
/// any other role is refused 403 <c>admin_role_required</c> and writes no pack.
/// </summary>
public sealed class EvidenceExportRolesTests : IAsyncLifetime
{
    private const string Refund = """{"tool":"payments.refund","args":{"order":"o-68","amount":25}}""";
    private DemoGateway _gw = null!;

    public async Task InitializeAsync() => _gw = await DemoGateway.StartAsync();

    public async Task DisposeAsync() => await _gw.DisposeAsync();

    [Theory]
    [InlineData("auditor")]
    [InlineData("admin")]
    public async Task EvidenceExport_ByApprovalIdWithADocumentedRole_WritesAPackThatVerifies(string role)
    {
        var (id, pack, export) = await ExportAsync(role);
        var verified = await CliRun.RunAsync("evidence", "verify", pack);

        Assert.True(export.ExitCode == 0, export.Out + export.Error);
        Assert.Matches(@"^gamut-evidence: [2-9] records, tenant demo, ", export.Out);
        Assert.True(verified.ExitCode == 0, verified.Out + verified.Error);
        Assert.Contains("\"approval_id\":\"" + id + "\"", PackZip.Read(pack, "records.jsonl"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("approver")]
    [InlineData("executor")]
    public async Task EvidenceExport_ByApprovalIdWithAnotherRole_IsRefusedAndWritesNoPack(string role)
    {
        var (_, pack, export) = await ExportAsync(role);

        Assert.Equal(1, export.ExitCode);
        Assert.Contains("admin_role_required", export.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(pack));
    }

    // A refund that needs approval, approved and then done with its warrant; then its pack exported with a token of the role.
    private async Task<(string Id, string Pack, CliResult Export)> ExportAsync(string role)
    {
        var id = await ApprovedAndUsedAsync();
        // An approver's token is bound to a person (alice, who approved it: the role alone is what is refused).
        string[] person = role == "approver" ? ["--person", "alice"] : [];
        var token = await _gw.IssueTokenAsync(["--name", "exporter", "--role", role, "--tenant", DemoGateway.Tenant, .. person]);
        var pack = Path.Combine(Directory.CreateTempSubdirectory("gatewayctl-approval-pack-").FullName, "pack.zip");
        return (id, pack, await _gw.RunAsync(token, "evidence", "export", "--tenant", DemoGateway.Tenant, "--approval-id", id, "-o", pack));
    }

    // A refund that needs approval, approved by alice (an approver named on it) and then done with its warrant.
    private async Task<string> ApprovedAndUsedAsync()
    {
        var alice = await _gw.IssueTokenAsync("--name", "alice", "--role", "approver", "--tenant", DemoGateway.Tenant, "--person", "alice");
        var id = await _gw.RequestApprovalAsync(Refund);
        var approved = await _gw.RunAsync(alice, "approvals", "approve", id, "--tenant", DemoGateway.Tenant);
        Assert.True(approved.ExitCode == 0, approved.Error);
        await _gw.ActWithWarrantAsync(Refund, await _gw.WarrantAsync(id));
        return id;
    }
}
