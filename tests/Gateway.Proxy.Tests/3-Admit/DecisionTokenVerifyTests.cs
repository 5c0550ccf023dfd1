using System.Net;
using Gateway.Policy;
using Gateway.Policy.Tokens;
using Gateway.Proxy.Bundle;
using Gateway.Proxy.Tests.Infrastructure;
using Gateway.Store;
using Microsoft.Extensions.DependencyInjection;
using static Gateway.Proxy.Tests.Infrastructure.DecisionTokenCalls;
using Gateway.Testing;

namespace Gateway.Proxy.Tests.Admit;

/// <summary>
/// <c>POST /v1/decision-tokens/verify</c> on the embedded store: an executor (a token with role <c>executor</c>) asks
/// about the token the gateway forwarded to it, and hears live until a suspension, a kill switch, a tenant
/// suspension, a revoked approval or a policy change revokes it; a token not signed by the gateway is invalid.
/// </summary>
public sealed partial class DecisionTokenVerifyTests : IAsyncLifetime
{
    private const string ReadContact = """{"tool":"crm.read_contact","args":{"id":"42"}}""";
    private const string Refund = """{"tool":"payments.refund","args":{"order":"o-7","amount":25}}""";
    private const string AgentPath = "/admin/v1/tenants/demo/agents/demo-agent";
    private GovernedGateway _gw = null!;
    private HttpClient _executor = null!;

    public async Task InitializeAsync()
    {
        _gw = await GovernedGateway.StartAsync();
        _executor = Bearer(_gw.Host.BaseAddress, await IssueExecutorTokenAsync(_gw.Admin(), "crm-executor"));
    }

    public async Task DisposeAsync()
    {
        _executor.Dispose();
        await _gw.DisposeAsync();
    }

    [Fact]
    public async Task Verify_TheTokenForwardedToTheExecutor_IsLiveWithItsClaims()
    {
        var (token, answer, requestId) = await ForwardedTokenAsync(ReadContact);

        var verified = await VerifyAsync(_executor, token);

        AssertStatus(verified, "live");
        Assert.False(verified.TryGetProperty("reason", out _));
        Assert.Equal("demo", verified.GetProperty("tenant").GetString());
        Assert.Equal("demo-agent", verified.GetProperty("agent").GetString());
        Assert.Equal("crm.read_contact", verified.GetProperty("tool").GetString());
        Assert.Equal(DecisionJson.IntentDigest(answer), verified.GetProperty("intent_digest").GetString());
        Assert.Equal("allow", verified.GetProperty("decision").GetString());
        Assert.Equal(requestId, verified.GetProperty("request_id").GetString());
        Assert.False(verified.TryGetProperty("evaluation", out _));
        var issued = verified.GetProperty("issued_at").GetInt64();
        Assert.InRange(verified.GetProperty("expires_at").GetInt64() - issued, 1, 300);
    }

    [Fact]
    public async Task Verify_ATamperedOrForeignToken_IsInvalidWithoutClaims()
    {
        var (token, _, _) = await ForwardedTokenAsync(ReadContact);
        var tampered = token[..^2] + (token[^2] == 'A' ? "BA" : "AA");
        var foreign = new DecisionTokenIssuer(new byte[32], TimeProvider.System).Issue("demo", "demo-agent", "crm.read_contact", "sha256:" + new string('0', 64), DecisionKind.Allow);

        foreach (var (presented, reason) in new[] { (tampered, "signature_invalid"), (foreign, "signature_invalid"), ("v1.not-a-token", "malformed"), ("garbage", "malformed") })
        {
            var verified = await VerifyAsync(_executor, presented);
            AssertStatus(verified, "invalid", reason);
            Assert.False(verified.TryGetProperty("tenant", out _));
            Assert.False(verified.TryGetProperty("agent", out _));
        }
    }

    [Fact]
    public async Task Verify_TokenReSignedWithTheDecisionKeyOverALiveRecord_IsInvalid()
    {
        // An executor holds the decision signing key to check tokens offline; with one live token it writes the same
        // record, id and binding under another tool, or the same claims without the binding, and signs them.
        var (token, _, _) = await ForwardedTokenAsync(ReadContact);
        var payload = PayloadOf(token);
        Assert.Contains("\"tool\":\"crm.read_contact\"", payload, StringComparison.Ordinal);
        var otherTool = Sign(_gw.DecisionSigningKey, payload.Replace("\"tool\":\"crm.read_contact\"", "\"tool\":\"payments.refund\"", StringComparison.Ordinal));
        var unbound = Sign(_gw.DecisionSigningKey, payload[..payload.LastIndexOf(",\"bnd\":", StringComparison.Ordinal)] + "}");

        foreach (var forged in new[] { otherTool, unbound })
        {
            var verified = await VerifyAsync(_executor, forged);
            AssertStatus(verified, "invalid", "signature_invalid");
            Assert.False(verified.TryGetProperty("tool", out _));
        }

        AssertStatus(await VerifyAsync(_executor, token), "live");
    }

    [Fact]
    public async Task Verify_AnExpiredToken_IsExpiredWithItsClaims()
    {
        var past = new OffsetTimeProvider(TimeSpan.FromMinutes(-10));
        var expired = _gw.TokenIssuer(past).Issue("demo", "demo-agent", "crm.read_contact", "sha256:" + new string('1', 64), DecisionKind.Allow);

        var verified = await VerifyAsync(_executor, expired);

        AssertStatus(verified, "expired", "expired");
        Assert.Equal("crm.read_contact", verified.GetProperty("tool").GetString());
    }

    [Fact]
    public async Task Verify_ATokenTheGatewayNeverRecorded_IsRevokedAsNotRecorded()
    {
        // Signed with the gateway's key, but never issued by it: no record in the store.
        var unrecorded = _gw.TokenIssuer().Issue("demo", "demo-agent", "crm.read_contact", "sha256:" + new string('2', 64), DecisionKind.Allow);

        AssertStatus(await VerifyAsync(_executor, unrecorded), "revoked", "not_recorded");
    }

    [Fact]
    public async Task Verify_TheRecordItsRequestsNonceHoldsLost_IsRevokedAsNotRecorded()
    {
        var (token, _, _) = await ForwardedTokenAsync(ReadContact);
        var payload = new DecisionTokenReader(_gw.DecisionSigningKey, _gw.TokenBinding).Read(token).Payload!;
        var store = _gw.Host.Services.GetRequiredService<IStateStore>();
        var record = StoreKeys.NonceRecord("demo", payload.Record!);
        Assert.StartsWith("demo-agent:", payload.Record, StringComparison.Ordinal);
        Assert.Equal(TokenRecording.Issued, await store.GetAsync(record));
        Assert.Null(await store.GetAsync(StoreKeys.DecisionToken("demo", payload.TokenId)));

        await store.DeleteAsync(record);

        AssertStatus(await VerifyAsync(_executor, token), "revoked", "not_recorded");
    }

    [Fact]
    public async Task Verify_ATokenRecordedByItsIdBeforeRec_IsLive()
    {
        // A token with no rec claim (as versions before it issued): its record under its id.
        var earlier = _gw.TokenIssuer().Issue("demo", "demo-agent", "crm.read_contact", "sha256:" + new string('3', 64), DecisionKind.Allow);
        var payload = new DecisionTokenReader(_gw.DecisionSigningKey, _gw.TokenBinding).Read(earlier).Payload!;
        Assert.Null(payload.Record);
        await _gw.Host.Services.GetRequiredService<IStateStore>().SetAsync(StoreKeys.DecisionToken("demo", payload.TokenId), TokenRecording.Issued, TimeSpan.FromMinutes(5));

        AssertStatus(await VerifyAsync(_executor, earlier), "live");
    }

    [Fact]
    public async Task Verify_WithoutTheExecutorRole_IsRefused()
    {
        var (token, _, _) = await ForwardedTokenAsync(ReadContact);

        using (var asAdmin = await PostVerifyAsync(_gw.Admin(), token))
        {
            await ProblemAssert.IsProblemAsync(asAdmin, HttpStatusCode.Forbidden, "admin_role_required");
        }

        using var anonymous = new HttpClient { BaseAddress = _gw.Host.BaseAddress };
        using (var missing = await PostVerifyAsync(anonymous, token))
        {
            await ProblemAssert.IsProblemAsync(missing, HttpStatusCode.Unauthorized, "admin_token_missing");
        }

        // An agent's own signed request carries no bearer token: the endpoint is not for agents.
        var request = _gw.Agent.Create(HttpMethod.Post, VerifyPath, System.Text.Json.JsonSerializer.Serialize(new { token }));
        using var asAgent = await _gw.Agent.SendAsync(request);
        await ProblemAssert.IsProblemAsync(asAgent, HttpStatusCode.Unauthorized, "admin_token_missing");
    }

    [Fact]
    public async Task Consume_OnTheEmbeddedStore_IsLiveOnceThenUsed()
    {
        var (token, _, _) = await ForwardedTokenAsync(ReadContact);
        AssertStatus(await VerifyAsync(_executor, token), "live");

        var first = await ConsumeAsync(_executor, token);
        var second = await ConsumeAsync(_executor, token);

        AssertStatus(first, "live");
        Assert.True(first.GetProperty("consumed").GetBoolean());
        AssertStatus(second, "revoked", "used");
        Assert.False(second.GetProperty("consumed").GetBoolean());
        AssertStatus(await VerifyAsync(_executor, token), "revoked", "used");
    }

    [Fact]
    public async Task Verify_WithoutConsume_AnswersWithoutAConsumedMember()
    {
        var (token, _, _) = await ForwardedTokenAsync(ReadContact);

        var answer = await VerifyAsync(_executor, token);

        Assert.False(answer.TryGetProperty("consumed", out _));
    }

    [Fact]
    public async Task Verify_AnExecutorConfinedToAnotherTenant_IsForbidden()
    {
        var confined = Bearer(_gw.Host.BaseAddress, await IssueExecutorTokenAsync(_gw.Admin(), "demo-only-executor", tenant: "demo"));
        var otherTenant = _gw.TokenIssuer().Issue("other", "some-agent", "crm.read_contact", "sha256:" + new string('3', 64), DecisionKind.Allow);
        var (ownTenant, _, _) = await ForwardedTokenAsync(ReadContact);

        using (var refused = await PostVerifyAsync(confined, otherTenant))
        {
            await ProblemAssert.IsProblemAsync(refused, HttpStatusCode.Forbidden, "tenant_forbidden");
        }

        AssertStatus(await VerifyAsync(confined, ownTenant), "live");
    }

    [Fact]
    public async Task Verify_MalformedBodies_AreRefusedWithStableCodes()
    {
        using (var broken = await _executor.PostAsync(VerifyPath, new StringContent("{\"token\":", System.Text.Encoding.UTF8, "application/json")))
        {
            await ProblemAssert.IsProblemAsync(broken, HttpStatusCode.BadRequest, "invalid_body");
        }

        using (var unknownMember = await _executor.PostAsync(VerifyPath, new StringContent("{\"token\":\"v1.a.b\",\"trust_me\":true}", System.Text.Encoding.UTF8, "application/json")))
        {
            await ProblemAssert.IsProblemAsync(unknownMember, HttpStatusCode.BadRequest, "invalid_body");
        }

        using (var noToken = await _executor.PostAsync(VerifyPath, new StringContent("{}", System.Text.Encoding.UTF8, "application/json")))
        {
            await ProblemAssert.IsProblemAsync(noToken, HttpStatusCode.BadRequest, "invalid_body");
        }

        var huge = "v1." + new string('A', 70_000) + ".sig";
        using var tooLarge = await PostVerifyAsync(_executor, huge);
        await ProblemAssert.IsProblemAsync(tooLarge, HttpStatusCode.RequestEntityTooLarge, "invalid_body");
    }

    [Fact]
    public async Task Verify_AfterTheAgentIsSuspended_IsRevokedAndStaysRevokedAfterResume()
    {
        var (token, _, _) = await ForwardedTokenAsync(ReadContact);
        AssertStatus(await VerifyAsync(_executor, token), "live");

        await FlipAsync(AgentPath + "/suspend");
        AssertStatus(await VerifyAsync(_executor, token), "revoked", "agent_revoked");

        await FlipAsync(AgentPath + "/resume");
        AssertStatus(await VerifyAsync(_executor, token), "revoked", "agent_revoked");
        var (fresh, _, _) = await ForwardedTokenAsync(ReadContact);
        AssertStatus(await VerifyAsync(_executor, fresh), "live");
    }

    [Fact]
    public async Task Verify_AfterTheSecretIsRevoked_IsRevoked()
    {
        var (token, _, _) = await ForwardedTokenAsync(ReadContact);

        await FlipAsync(AgentPath + "/revoke-secret");
        try
        {
            AssertStatus(await VerifyAsync(_executor, token), "revoked", "agent_revoked");
        }
        finally
        {
            await FlipAsync(AgentPath + "/restore-secret");
        }
    }

    [Fact]
    public async Task Verify_AfterTheTenantIsSuspended_IsRevokedAndEveryAgentIsBlocked()
    {
        var (token, _, _) = await ForwardedTokenAsync(ReadContact);

        await FlipAsync("/admin/v1/tenants/demo/suspend");
        try
        {
            AssertStatus(await VerifyAsync(_executor, token), "revoked", "tenant_revoked");
            using var blocked = await _gw.Agent.PostJsonAsync("/v1/actions/invoke-tool", ReadContact);
            await ProblemAssert.IsProblemAsync(blocked, HttpStatusCode.Forbidden, "blocked");
            using var status = await _gw.Admin().GetAsync("/admin/v1/tenants/demo/status");
            Assert.True((await DecisionJson.ReadAsync(status, HttpStatusCode.OK)).GetProperty("suspended").GetBoolean());
        }
        finally
        {
            await FlipAsync("/admin/v1/tenants/demo/resume");
        }

        using var allowed = await _gw.Agent.PostJsonAsync("/v1/actions/invoke-tool", ReadContact);
        await DecisionJson.DecisionAsync(allowed, "allow");
        AssertStatus(await VerifyAsync(_executor, token), "revoked", "tenant_revoked");
    }

    [Fact]
    public async Task Verify_AfterTheApprovalIsRevoked_IsRevokedAndTheWarrantIsRefused()
    {
        var alice = _gw.Admin(await _gw.IssueTokenAsync("alice", "approver"));
        var (approvalId, warrant) = await ApprovalCalls.ApprovedWarrantAsync(_gw.Agent, alice, Refund);
        var (approvedToken, _, _) = await ForwardedTokenAsync(ApprovalCalls.WithWarrant(Refund, warrant), "allow_and_log", "/payments/refunds");
        var verified = await VerifyAsync(_executor, approvedToken);
        AssertStatus(verified, "live");
        Assert.Equal(approvalId, verified.GetProperty("approval_id").GetString());

        // A second approval, revoked before its warrant is used: the warrant is refused.
        var (unusedId, unusedWarrant) = await ApprovalCalls.ApprovedWarrantAsync(_gw.Agent, alice, Refund.Replace("o-7", "o-8", StringComparison.Ordinal));

        // Its warrant was used: the revocation says the action was carried out, and voids its token all the same.
        using (var revoke = await alice.PostAsync($"/admin/v1/tenants/demo/approvals/{approvalId}/revoke", null))
        {
            await ProblemAssert.IsProblemAsync(revoke, HttpStatusCode.Conflict, "approval_already_used");
        }

        using (var revokeUnused = await _gw.Admin().PostAsync($"/admin/v1/tenants/demo/approvals/{unusedId}/revoke", null))
        {
            Assert.Equal(HttpStatusCode.OK, revokeUnused.StatusCode);
        }

        AssertStatus(await VerifyAsync(_executor, approvedToken), "revoked", "approval_revoked");
        var refunds = _gw.Upstream.To("/payments/refunds").Count;
        using var refused = await _gw.Agent.PostJsonAsync("/v1/actions/invoke-tool", ApprovalCalls.WithWarrant(Refund.Replace("o-7", "o-8", StringComparison.Ordinal), unusedWarrant));
        var problem = await ProblemAssert.IsProblemAsync(refused, HttpStatusCode.Conflict, "warrant_rejected");
        Assert.Contains("warrant_revoked", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(refunds, _gw.Upstream.To("/payments/refunds").Count);
    }

    [Fact]
    public async Task Revoke_APendingApproval_IsRefusedAsNotApproved()
    {
        var pending = await ApprovalCalls.RequestApprovalAsync(_gw.Agent, Refund.Replace("o-7", "o-9", StringComparison.Ordinal));

        using var revoke = await _gw.Admin().PostAsync($"/admin/v1/tenants/demo/approvals/{pending}/revoke", null);

        await ProblemAssert.IsProblemAsync(revoke, HttpStatusCode.Conflict, "approval_not_approved");
    }

    [Fact]
    public async Task Verify_AfterAReloadThatBlocksTheTool_IsRevokedAsPolicyChanged()
    {
        var (token, _, _) = await ForwardedTokenAsync(ReadContact);
        AssertStatus(await VerifyAsync(_executor, token), "live");

        _gw.Bundle.Rewrite(text => text.Replace(
            "    permissions:\n      - { tool: crm.read_contact }\n      - { tool: crm.update_contact }",
            "    permissions:\n      - { tool: crm.update_contact }",
            StringComparison.Ordinal));
        Assert.Empty(await _gw.Host.Services.GetRequiredService<PolicyProvider>().ReloadAsync());

        using (var blocked = await _gw.Agent.PostJsonAsync("/v1/actions/invoke-tool", ReadContact))
        {
            await ProblemAssert.IsProblemAsync(blocked, HttpStatusCode.Forbidden, "blocked");
        }

        await WaitForAsync(async () => (await VerifyAsync(_executor, token)).GetProperty("status").GetString() == "revoked");
        AssertStatus(await VerifyAsync(_executor, token), "revoked", "policy_changed");
    }

    /// <summary>Sends <paramref name="body"/>; returns the token the upstream received, the answer and the request id.</summary>
    private async Task<(string Token, System.Text.Json.JsonElement Answer, string RequestId)> ForwardedTokenAsync(string body, string decision = "allow", string upstreamPath = "/crm/contacts/")
    {
        var before = _gw.Upstream.To(upstreamPath).Count;
        using var response = await _gw.Agent.PostJsonAsync("/v1/actions/invoke-tool", body);
        var answer = await DecisionJson.DecisionAsync(response, decision);
        var received = _gw.Upstream.To(upstreamPath);
        Assert.Equal(before + 1, received.Count);
        return (received[^1].Headers[Header], answer, response.Headers.GetValues("X-Request-Id").Single());
    }

    private async Task FlipAsync(string path)
    {
        using var response = await _gw.Admin().PostAsync(path, content: null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private static Task WaitForAsync(Func<Task<bool>> condition) =>
        Eventually.HoldsAsync(condition, TimeSpan.FromSeconds(10), "the condition did not hold within 10 s");
}
