using System.Net;
using System.Text.Json;
using Gateway.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Gateway.Cli.Tests;

/// <summary>
/// <c>gatewayctl tenants</c>, <c>approvals revoke</c>, <c>decision-tokens verify</c> and <c>tokens issue --role executor</c>
/// against the real gateway on Kestrel (a fresh one per test: a suspension is the whole tenant's).
/// </summary>
public sealed class KillSwitchAndDecisionTokenCommandsTests : IAsyncLifetime
{
    private const string ReadContact = """{"tool":"crm.read_contact","args":{"id":"42"}}""";
    private const string Refund = """{"tool":"payments.refund","args":{"order":"o-7","amount":25}}""";
    private DemoGateway _gw = null!;

    public async Task InitializeAsync() => _gw = await DemoGateway.StartAsync();

    public async Task DisposeAsync() => await _gw.DisposeAsync();

    [Fact]
    public async Task DecisionTokensVerify_LiveToken_Exits0AndPrintsTheAnswer()
    {
        var executor = await _gw.IssueTokenAsync("--name", "crm-executor", "--role", "executor", "--tenant", DemoGateway.Tenant);
        var token = await _gw.EvaluateAsync(ReadContact);

        var result = await _gw.RunAsync(executor, "decision-tokens", "verify", token);

        Assert.True(result.ExitCode == 0, result.Error);
        using var answer = JsonDocument.Parse(result.Out);
        Assert.Equal("live", answer.RootElement.GetProperty("status").GetString());
        Assert.Equal(DemoGateway.Tenant, answer.RootElement.GetProperty("tenant").GetString());
        Assert.Equal("crm.read_contact", answer.RootElement.GetProperty("tool").GetString());
        Assert.True(answer.RootElement.GetProperty("evaluation").GetBoolean());
    }

    [Fact]
    public async Task TokensRevoke_ATenantsToken_IsFoundByItsTenantOnly()
    {
        // Names are per tenant: the operator names the tenant whose token it revokes.
        await _gw.IssueTokenAsync("--name", "ci-reader", "--role", "auditor", "--tenant", DemoGateway.Tenant);

        var operatorsOwn = await _gw.RunAsync(DemoGateway.AdminToken, "tokens", "revoke", "ci-reader");
        var tenants = await _gw.RunAsync(DemoGateway.AdminToken, "tokens", "revoke", "ci-reader", "--tenant", DemoGateway.Tenant);

        Assert.Equal(1, operatorsOwn.ExitCode);
        Assert.Contains("token_not_found", operatorsOwn.Out + operatorsOwn.Error, StringComparison.Ordinal);
        Assert.True(tenants.ExitCode == 0, tenants.Error);
    }

    [Fact]
    public async Task DecisionTokensVerify_TokenOnStdin_IsRead()
    {
        var executor = await _gw.IssueTokenAsync("--name", "stdin-executor", "--role", "executor");
        var token = await _gw.EvaluateAsync(ReadContact);

        var piped = await _gw.RunWithStdinAsync(executor, token + "\n", "decision-tokens", "verify", "-");
        var nothingPiped = await _gw.RunAsync(executor, "decision-tokens", "verify", "-");

        Assert.True(piped.ExitCode == 0, piped.Error);
        Assert.Contains("\"live\"", piped.Out, StringComparison.Ordinal);
        Assert.Equal(6, nothingPiped.ExitCode);
    }

    [Fact]
    public async Task DecisionTokensVerify_ForgedToken_Exits2AsInvalidWithoutClaims()
    {
        var executor = await _gw.IssueTokenAsync("--name", "forgery-executor", "--role", "executor");

        var result = await _gw.RunAsync(executor, "decision-tokens", "verify", "v1.eyJ0aWQiOiJkZW1vIn0.c2lnbmF0dXJl");

        Assert.Equal(2, result.ExitCode);
        using var answer = JsonDocument.Parse(result.Out);
        Assert.Equal("invalid", answer.RootElement.GetProperty("status").GetString());
        Assert.False(answer.RootElement.TryGetProperty("tenant", out _));
        Assert.Contains("decision_token_invalid", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DecisionTokensVerify_AdminTokenInsteadOfAnExecutors_Exits1WithTheProblemCode()
    {
        var token = await _gw.EvaluateAsync(ReadContact);

        var result = await _gw.RunAsync(DemoGateway.AdminToken, "decision-tokens", "verify", token);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("admin_role_required", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TenantsSuspend_ThenVerify_TheTokenIsRevokedAndStaysRevokedAfterResume()
    {
        var executor = await _gw.IssueTokenAsync("--name", "suspension-executor", "--role", "executor");
        var token = await _gw.EvaluateAsync(ReadContact);

        var suspend = await _gw.RunAsync(DemoGateway.AdminToken, "tenants", "suspend", DemoGateway.Tenant);
        var status = await _gw.RunAsync(DemoGateway.AdminToken, "tenants", "status", DemoGateway.Tenant, "--json");
        var revoked = await _gw.RunAsync(executor, "decision-tokens", "verify", token);
        var resume = await _gw.RunAsync(DemoGateway.AdminToken, "tenants", "resume", DemoGateway.Tenant);
        var afterResume = await _gw.RunAsync(executor, "decision-tokens", "verify", token);
        var fresh = await _gw.RunAsync(executor, "decision-tokens", "verify", await _gw.EvaluateAsync(ReadContact));

        Assert.Equal(0, suspend.ExitCode);
        Assert.Contains("Tenant demo: suspended=yes", suspend.Out, StringComparison.Ordinal);
        Assert.Contains("gateway: ", suspend.Error, StringComparison.Ordinal);
        Assert.Equal(0, status.ExitCode);
        Assert.True(JsonDocument.Parse(status.Out).RootElement.GetProperty("suspended").GetBoolean());
        Assert.Equal(2, revoked.ExitCode);
        using (var answer = JsonDocument.Parse(revoked.Out))
        {
            Assert.Equal("revoked", answer.RootElement.GetProperty("status").GetString());
            Assert.Equal("tenant_revoked", answer.RootElement.GetProperty("reason").GetString());
        }

        Assert.Contains("error: decision_token_revoked: tenant_revoked", revoked.Error, StringComparison.Ordinal);
        Assert.Equal(0, resume.ExitCode);
        Assert.Contains("Tenant demo: suspended=no", resume.Out, StringComparison.Ordinal);
        Assert.Equal(2, afterResume.ExitCode);
        Assert.True(fresh.ExitCode == 0, fresh.Error);
    }

    [Fact]
    public async Task TenantsSuspend_TenantNotInThePolicy_Exits1WithTheProblemCode()
    {
        var result = await _gw.RunAsync(DemoGateway.AdminToken, "tenants", "suspend", "no-such-tenant");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("tenant_not_found", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ApprovalsRevoke_ApprovedRequest_Exits0AndItsWarrantIsRefused()
    {
        var alice = await _gw.IssueTokenAsync("--name", "alice", "--role", "approver", "--tenant", DemoGateway.Tenant, "--person", "alice");
        var id = await _gw.RequestApprovalAsync(Refund);
        Assert.Equal(0, (await _gw.RunAsync(alice, "approvals", "approve", id, "--tenant", DemoGateway.Tenant)).ExitCode);
        var warrant = await _gw.WarrantAsync(id);

        var revoke = await _gw.RunAsync(DemoGateway.AdminToken, "approvals", "revoke", id, "--tenant", DemoGateway.Tenant);
        var (status, code, detail) = await _gw.ActWithWarrantAsync(Refund, warrant);

        Assert.True(revoke.ExitCode == 0, revoke.Error);
        Assert.Contains($"Approval {id} revoked", revoke.Out, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Equal("warrant_rejected", code);
        Assert.Contains("warrant_revoked", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ApprovalsRevoke_PendingRequest_Exits1WithApprovalNotApproved()
    {
        var id = await _gw.RequestApprovalAsync(Refund);

        var result = await _gw.RunAsync(DemoGateway.AdminToken, "approvals", "revoke", id, "--tenant", DemoGateway.Tenant);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("approval_not_approved", result.Error, StringComparison.Ordinal);
    }
}

/// <summary><c>decision-tokens verify</c> when the gateway cannot answer: never live, exit 7.</summary>
public sealed class DecisionTokensVerifyUnavailableTests
{
    private static readonly Dictionary<string, string?> Executor = new() { ["GATEWAY_ADMIN_TOKEN"] = "gwa_executor" };

    [Fact]
    public async Task Verify_GatewayAnswers503_Exits7AndPrintsNoAnswer()
    {
        await using var gateway = await KestrelUpstream.StartAsync(app => app.MapPost("/v1/decision-tokens/verify", () => Results.Problem(
            statusCode: StatusCodes.Status503ServiceUnavailable,
            title: "The state store is unavailable",
            extensions: new Dictionary<string, object?> { ["code"] = "store_unavailable" })));

        var result = await CliRun.RunAsync(Executor, "decision-tokens", "verify", "v1.a.b", "--url", gateway.BaseUri.ToString());

        Assert.Equal(7, result.ExitCode);
        Assert.Equal(string.Empty, result.Out);
        Assert.Contains("store_unavailable", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_GatewayUnreachable_Exits7()
    {
        var result = await CliRun.RunAsync(Executor, "decision-tokens", "verify", "v1.a.b", "--url", $"http://127.0.0.1:{FreePort.Next()}");

        Assert.Equal(7, result.ExitCode);
    }
}
