using System.Text;
using System.Text.Json;
using Gateway.Admin.Tests.Infrastructure;
using Gateway.Admin.Tokens;
using Gateway.Oversight.Agents;
using Gateway.Oversight.Approvals;
using Gateway.Audit;
using Gateway.Oversight.Credentials;
using Gateway.Oversight.Tests.Infrastructure;
using Gateway.Store;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Cli.Tests;

/// <summary><c>gatewayctl</c> run in-process against a real Kestrel host serving <c>MapGatewayAdmin()</c>.</summary>
public sealed class GatewayCliTests : IAsyncLifetime
{
    private readonly string _tenant = TestServices.NewTenant();
    private AdminTestHost _host = null!;

    public async Task InitializeAsync()
    {
        _host = await AdminTestHost.StartAsync(configureServices: s => s.AddSingleton<ICredentialAdmin, FakeCredentialAdmin>());
        _host.Register.Add(_tenant, approvers: ["alice", "erin", "mallory"], agents: ["agent-1", "agent-7"]);
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task ApprovalsListAndApprove_NamedApprover_ApprovesTheRequest()
    {
        var request = await _host.Get<ApprovalService>().CreateAsync(_tenant, "agent-1", "payments.transfer", "digest", "policy", null, null,
            ["alice"], 1, TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(5));
        var token = await _host.IssueApproverAsync(_tenant, "alice");

        var list = await RunAsync(token, "approvals", "list", "--tenant", _tenant);
        var approve = await RunAsync(token, "approvals", "approve", request.Id, "--tenant", _tenant);

        Assert.Equal(0, list.ExitCode);
        Assert.Contains(request.Id, list.Out, StringComparison.Ordinal);
        Assert.Equal(0, approve.ExitCode);
        Assert.Contains("approved", approve.Out, StringComparison.Ordinal);
        Assert.Equal(ApprovalStatus.Approved, (await _host.Get<ApprovalService>().GetAsync(_tenant, request.Id))!.Status);
    }

    [Fact]
    public async Task ApprovalsApprove_NotAnApprover_ExitsNonZeroWithTheProblemCode()
    {
        var request = await _host.Get<ApprovalService>().CreateAsync(_tenant, "agent-1", "tool", "digest", "policy", null, null,
            ["alice"], 1, TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(5));
        var token = await _host.IssueApproverAsync(_tenant, "mallory");

        var result = await RunAsync(token, "approvals", "deny", request.Id, "--tenant", _tenant);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("approval_not_an_approver", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CredentialsPut_ValueFromStdin_StoresItAndNeverEchoesIt()
    {
        var result = await RunAsync(AdminTestServices.BootstrapToken, stdin: "s3cr3t-from-stdin\n", args: ["credentials", "put", "crm-key", "--tenant", _tenant]);
        var list = await RunAsync(AdminTestServices.BootstrapToken, "credentials", "list", "--tenant", _tenant, "--json");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("s3cr3t-from-stdin", ((FakeCredentialAdmin)_host.Get<ICredentialAdmin>()).ValueOf(_tenant, "crm-key"));
        Assert.DoesNotContain("s3cr3t", result.Out + list.Out, StringComparison.Ordinal);
        Assert.Contains("\"crm-key\"", list.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CredentialsPut_FromFile_StoresTheFileContent()
    {
        var path = Path.GetTempFileName();
        await File.WriteAllTextAsync(path, "from-file-value\n");
        try
        {
            var result = await RunAsync(AdminTestServices.BootstrapToken, "credentials", "put", "db", "--tenant", _tenant, "--from-file", path);

            Assert.Equal(0, result.ExitCode);
            Assert.Equal("from-file-value", ((FakeCredentialAdmin)_host.Get<ICredentialAdmin>()).ValueOf(_tenant, "db"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task CredentialsPut_NoStdinNoFile_RefusesWithoutCallingTheApi()
    {
        var result = await RunAsync(AdminTestServices.BootstrapToken, "credentials", "put", "crm-key", "--tenant", _tenant);

        Assert.Equal(6, result.ExitCode);
        Assert.Null(((FakeCredentialAdmin)_host.Get<ICredentialAdmin>()).ValueOf(_tenant, "crm-key"));
    }

    [Fact]
    public async Task CredentialsPut_ValueAsArgument_IsAUsageError()
    {
        var result = await RunAsync(AdminTestServices.BootstrapToken, "credentials", "put", "crm-key", "s3cr3t", "--tenant", _tenant);

        Assert.Equal(6, result.ExitCode);
    }

    [Fact]
    public async Task AuditVerify_IntactAndTampered_ExitCodesDiffer()
    {
        var journal = _host.Get<AuditJournal>();
        for (var i = 0; i < 3; i++)
        {
            await journal.AppendAsync(new AuditEntry { Tenant = _tenant, Agent = "agent-1", Decision = "allow", StatusCode = 200 });
        }

        var intact = await RunAsync(AdminTestServices.BootstrapToken, "audit", "verify", "--tenant", _tenant);
        var key = StoreKeys.AuditLog(_tenant, journal.Replica);
        var lines = await _host.Store.ReadLogAsync(key, 0, 10);
        await _host.Store.DeleteAsync(key);
        // The first and third records as one group: the store links a group's first record to its tip only.
        Assert.True(await _host.Store.TryAppendAsync(key, 0, [Encoding.UTF8.GetBytes(lines[0]), Encoding.UTF8.GetBytes(lines[2])]));
        var broken = await RunAsync(AdminTestServices.BootstrapToken, "audit", "verify", "--tenant", _tenant);

        Assert.Equal(0, intact.ExitCode);
        Assert.Contains("intact: 3 records", intact.Out, StringComparison.Ordinal);
        Assert.Equal(2, broken.ExitCode);
        Assert.Contains($"replica {journal.Replica} at index 1: sequence_gap", broken.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AuditExport_ThenVerifyFile_VerifiesOfflineAndNamesAHandEditedLine()
    {
        var journal = _host.Get<AuditJournal>();
        for (var i = 0; i < 4; i++)
        {
            await journal.AppendAsync(new AuditEntry { Tenant = _tenant, Agent = "agent-1", Decision = i == 2 ? "block" : "allow", StatusCode = 200 });
        }

        var path = Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N") + ".jsonl");
        try
        {
            var export = await RunAsync(AdminTestServices.BootstrapToken, "audit", "export", "--tenant", _tenant, "--output", path);
            var intact = await RunAsync(token: null, url: "http://127.0.0.1:1", args: ["audit", "verify", "--file", path]);
            var lines = await File.ReadAllLinesAsync(path);
            lines[2] = lines[2].Replace("\"block\"", "\"allow\"", StringComparison.Ordinal);
            await File.WriteAllLinesAsync(path, lines);
            var edited = await RunAsync(token: null, args: ["audit", "verify", "--file", path]);

            Assert.Equal(0, export.ExitCode);
            Assert.Equal(4, lines.Length);
            Assert.Equal(0, intact.ExitCode);
            Assert.Contains("intact: 4 records in 1 chains", intact.Out, StringComparison.Ordinal);
            Assert.Equal(2, edited.ExitCode);
            Assert.Contains("BROKEN at line 3: hash_mismatch", edited.Out, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task AuditExportAndVerify_RecordsByDigest_VerifyOfflineAndAMissingOrAlteredExplanationIsNamed()
    {
        var journal = _host.Get<AuditJournal>();
        var explanation = """{"policy_digest":"p","intent_digest":"d","decision_path":[{"control":"agent_registration","outcome":"pass"}]}"""u8.ToArray();
        for (var i = 0; i < 3; i++)
        {
            await journal.AppendAsync(new AuditEntry { Tenant = _tenant, Agent = "agent-1", Decision = "allow", StatusCode = 200, Explanation = explanation, IntentDigest = "d" });
        }

        var path = Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N") + ".jsonl");
        try
        {
            var export = await RunAsync(AdminTestServices.BootstrapToken, "audit", "export", "--tenant", _tenant, "--output", path);
            var intact = await RunAsync(token: null, url: "http://127.0.0.1:1", args: ["audit", "verify", "--file", path]);
            var lines = await File.ReadAllLinesAsync(path);
            await File.WriteAllLinesAsync(path, [lines[0].Replace("agent_registration", "agent_registered", StringComparison.Ordinal), .. lines[1..]]);
            var altered = await RunAsync(token: null, args: ["audit", "verify", "--file", path]);
            await File.WriteAllLinesAsync(path, lines[1..]);
            var missing = await RunAsync(token: null, args: ["audit", "verify", "--file", path]);
            await _host.Store.DeleteAsync(StoreKeys.AuditExplanations(_tenant));
            var online = await RunAsync(AdminTestServices.BootstrapToken, "audit", "verify", "--tenant", _tenant);

            Assert.Equal(0, export.ExitCode);
            Assert.Equal(4, lines.Length);
            Assert.Contains("\"kind\":\"explanation\"", lines[0], StringComparison.Ordinal);
            Assert.Equal(0, intact.ExitCode);
            Assert.Contains("intact: 3 records in 1 chains", intact.Out, StringComparison.Ordinal);
            Assert.Equal(2, altered.ExitCode);
            Assert.Contains("BROKEN at line 2: explanation_altered", altered.Out, StringComparison.Ordinal);
            Assert.Equal(2, missing.ExitCode);
            Assert.Contains("BROKEN at line 1: explanation_missing", missing.Out, StringComparison.Ordinal);
            Assert.Equal(2, online.ExitCode);
            Assert.Contains($"replica {journal.Replica} at index 0: explanation_missing", online.Out, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task AuditExport_Before_ExportsOnlyTheChainPrefixBeforeTheCut()
    {
        var journal = _host.Get<AuditJournal>();
        for (var i = 0; i < 2; i++)
        {
            await journal.AppendAsync(new AuditEntry { Tenant = _tenant, Agent = "agent-1", Decision = "allow", StatusCode = 200 });
        }

        var path = Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N") + ".jsonl");
        try
        {
            var none = await RunAsync(AdminTestServices.BootstrapToken, "audit", "export", "--tenant", _tenant, "--before", "2000-01-01T00:00:00Z", "--output", path);
            var empty = await File.ReadAllTextAsync(path);
            var all = await RunAsync(AdminTestServices.BootstrapToken, "audit", "export", "--tenant", _tenant, "--before", "2999-01-01T00:00:00Z", "--output", path);

            Assert.Equal(0, none.ExitCode);
            Assert.Equal(string.Empty, empty);
            Assert.Equal(0, all.ExitCode);
            Assert.Equal(2, (await File.ReadAllLinesAsync(path)).Length);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task AuditVerifyFile_MissingFile_IsInvalidInput()
    {
        var result = await RunAsync(token: null, args: ["audit", "verify", "--file", Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N"))]);

        Assert.Equal(6, result.ExitCode);
    }

    [Fact]
    public async Task AuditQuery_ByDecision_PrintsOnlyMatchesAndTheNextCursor()
    {
        var journal = _host.Get<AuditJournal>();
        foreach (var decision in new[] { "allow", "block", "block", "block" })
        {
            await journal.AppendAsync(new AuditEntry { Tenant = _tenant, Agent = "agent-1", Tool = "crm.read", Decision = decision, StatusCode = 200 });
        }

        var result = await RunAsync(AdminTestServices.BootstrapToken, "audit", "query", "--tenant", _tenant, "--decision", "block", "--limit", "2");

        Assert.Equal(0, result.ExitCode);
        var lines = result.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Count(l => l.Contains(" block ", StringComparison.Ordinal)));
        Assert.DoesNotContain(lines, l => l.Contains(" allow ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("next page: --cursor ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AuditQuery_ByRequestIdOfConcurrentOutcomes_FindsEachAndTheExportVerifiesOffline()
    {
        var journal = _host.Get<AuditJournal>();
        var ids = Enumerable.Range(0, 24).Select(i => "req-" + i).ToArray();
        await Task.WhenAll(ids.Select((id, i) => journal.AppendAsync(new AuditEntry
        {
            Tenant = _tenant,
            Agent = "agent-1",
            Tool = "crm.read",
            Connector = "crm",
            Decision = "allow",
            RequestId = id,
            StatusCode = i % 2 == 0 ? 200 : 404,
            Invoked = true,
            LatencyMs = i,
            Fold = AuditFold.Outcome,
        }).AsTask()));
        var path = Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N") + ".jsonl");
        try
        {
            var export = await RunAsync(AdminTestServices.BootstrapToken, "audit", "export", "--tenant", _tenant, "--output", path);
            var verified = await RunAsync(token: null, url: "http://127.0.0.1:1", args: ["audit", "verify", "--file", path]);
            var lines = await File.ReadAllLinesAsync(path);
            var named = new List<string>();
            foreach (var exported in lines)
            {
                using var document = JsonDocument.Parse(exported);
                var record = document.RootElement;
                named.AddRange(record.TryGetProperty("outcomes", out var outcomes)
                    ? outcomes.EnumerateArray().Select(o => o.GetProperty("request_id").GetString()!)
                    : [record.GetProperty("request_id").GetString()!]);
            }

            Assert.Equal(0, export.ExitCode);
            Assert.Equal(0, verified.ExitCode);
            Assert.Contains($"intact: {lines.Length} records in 1 chains", verified.Out, StringComparison.Ordinal);
            Assert.Equal(ids.Order(StringComparer.Ordinal), named.Order(StringComparer.Ordinal));
            foreach (var id in new[] { "req-0", "req-23" })
            {
                var found = await RunAsync(AdminTestServices.BootstrapToken, "audit", "query", "--tenant", _tenant, "--request-id", id);
                Assert.Equal(0, found.ExitCode);
                var line = Assert.Single(found.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries));
                Assert.Contains(" allow ", line, StringComparison.Ordinal);
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task AgentsSuspend_ThenStatus_ShowsTheSwitchFromTheStore()
    {
        var result = await RunAsync(AdminTestServices.BootstrapToken, "agents", "suspend", "agent-7", "--tenant", _tenant);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("suspended=yes", result.Out, StringComparison.Ordinal);
        Assert.True((await _host.Get<AgentStatusService>().GetAsync(_tenant, "agent-7")).Suspended);
    }

    [Fact]
    public async Task TokensIssue_Admin_PrintsAWorkingTokenOnce()
    {
        var result = await RunAsync(AdminTestServices.BootstrapToken, "tokens", "issue", "--name", "erin", "--role", "approver", "--role", "auditor", "--tenant", _tenant, "--person", "erin", "--json");

        Assert.Equal(0, result.ExitCode);
        using var body = System.Text.Json.JsonDocument.Parse(result.Out);
        var token = body.RootElement.GetProperty("token").GetString()!;
        var auth = await _host.Get<AdminTokenService>().AuthenticateAsync(token);
        Assert.Equal("erin", auth.Principal!.Name);
        Assert.Equal([AdminRoles.Approver, AdminRoles.Auditor], auth.Principal.Roles);
        Assert.Equal(_tenant, auth.Principal.Tenant);
        Assert.Equal("erin", auth.Principal.Person);
    }

    [Fact]
    public async Task AnyCommand_TokenFromEnvironment_IsUsed()
    {
        var result = await RunAsync(token: null, env: new() { ["GATEWAY_ADMIN_TOKEN"] = AdminTestServices.BootstrapToken }, args: ["agents", "status", "agent-1", "--tenant", _tenant]);

        Assert.Equal(0, result.ExitCode);
    }

    [Fact]
    public async Task AnyCommand_NoToken_IsAUsageError()
    {
        var result = await RunAsync(token: null, args: ["audit", "verify", "--tenant", _tenant]);

        Assert.Equal(6, result.ExitCode);
        Assert.Contains("GATEWAY_ADMIN_TOKEN", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnyCommand_RevokedToken_ExitsWithTheProblemCode()
    {
        var token = await _host.IssueTokenAsync("temp", AdminRoles.Auditor);
        await _host.Get<AdminTokenService>().RevokeAsync("temp", null, AdminTestServices.Operator);

        var result = await RunAsync(token, "audit", "verify", "--tenant", _tenant);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("admin_token_revoked", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnyCommand_GatewayUnreachable_Exits7()
    {
        var port = Gateway.Testing.FreePort.Next();

        var result = await RunAsync(AdminTestServices.BootstrapToken, url: $"http://127.0.0.1:{port}", args: ["audit", "verify", "--tenant", _tenant]);

        Assert.Equal(7, result.ExitCode);
    }

    private Task<CliResult> RunAsync(string? token, params string[] args) => RunAsync(token, null, null, null, args);

    private async Task<CliResult> RunAsync(string? token, string? stdin = null, string? url = null, Dictionary<string, string?>? env = null, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var environment = env ?? [];
        var console = new CliConsole(output, error, new StringReader(stdin ?? string.Empty), stdin is not null, name => environment.GetValueOrDefault(name));
        var all = new List<string>(args) { "--url", url ?? _host.BaseAddress.ToString() };
        if (token is not null)
        {
            all.AddRange(["--token", token]);
        }

        var code = await GatewayCli.RunAsync([.. all], console);
        return new CliResult(code, output.ToString(), error.ToString());
    }

    private sealed record CliResult(int ExitCode, string Out, string Error);
}
