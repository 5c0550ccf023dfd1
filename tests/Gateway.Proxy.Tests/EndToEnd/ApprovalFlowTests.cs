using System.Buffers.Text;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Gamut.Agent.Upstream;
using Microsoft.Extensions.DependencyInjection;
using Gateway.Proxy.Bundle;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.EndToEnd;

/// <summary>
/// The approval flow end to end through the running gateway: 409 with an approval request, a named
/// approver approves through the admin API, the agent polls its warrant and retries; the warrant is
/// single use and bound to the exact request.
/// </summary>
public sealed class ApprovalFlowTests : IAsyncLifetime
{
    private const string Refund = """{"tool":"payments.refund","args":{"order":"o-1","amount":25}}""";
    private GovernedGateway _gw = null!;

    public async Task InitializeAsync() => _gw = await GovernedGateway.StartAsync();

    public async Task DisposeAsync() => await _gw.DisposeAsync();

    [Fact]
    public async Task Refund_ApprovedByAlice_RunsOnceWithTheWarrant()
    {
        var approvalId = await RequestApprovalAsync(Refund);
        var alice = _gw.Admin(await _gw.IssueTokenAsync("alice", "approver"));

        using var approve = await alice.PostAsync($"/admin/v1/tenants/demo/approvals/{approvalId}/approve", null);
        Assert.Equal("approved", (await DecisionJson.ReadAsync(approve, HttpStatusCode.OK)).GetProperty("status").GetString());

        var poll = await PollAsync(approvalId);
        Assert.Equal("approved", poll.GetProperty("status").GetString());
        Assert.Contains("alice", poll.GetProperty("approvals").EnumerateArray().Select(a => a.GetString()));
        var warrant = poll.GetProperty("warrant").GetString()!;
        Assert.StartsWith("w1.", warrant, StringComparison.Ordinal);
        Assert.True(DecisionJson.Has(poll, "warrant_expires_at"));
        Assert.Empty(_gw.Upstream.To("/payments"));

        using var retry = await _gw.Agent.PostJsonAsync("/v1/actions/invoke-tool", WithWarrant(Refund, warrant));

        var json = await DecisionJson.DecisionAsync(retry, "allow_and_log");
        Assert.True(json.GetProperty("invoked").GetBoolean());
        Assert.True(json.GetProperty("explanation").GetProperty("warrant_applied").GetBoolean());
        Assert.Equal("refunded", json.GetProperty("result").GetProperty("status").GetString());
        var received = Assert.Single(_gw.Upstream.To("/payments/refunds"));
        Assert.Equal("POST", received.Method);
        Assert.Equal("o-1", JsonDocument.Parse(received.Body).RootElement.GetProperty("order").GetString());
        Assert.Equal(GovernedGateway.Credentials["payments-key"], received.Headers["X-Payments-Key"]);
        Assert.False(received.Headers.ContainsKey("Authorization"));
        var token = _gw.Verifier().Verify(received.Headers["X-Gamut-Decision-Token"], "demo", "payments.refund", DecisionJson.IntentDigest(json));
        Assert.Equal(DecisionTokenFailure.None, token.Failure);
        Assert.Equal("allow_and_log", token.Payload!.Decision);

        // Single use: the same warrant again is refused, naming the approval it carried out, and opens no new one.
        using var again = await _gw.Agent.PostJsonAsync("/v1/actions/invoke-tool", WithWarrant(Refund, warrant));

        var refused = await ProblemAssert.IsProblemAsync(again, HttpStatusCode.Conflict, "warrant_rejected");
        Assert.Equal("require_approval", refused.GetProperty("decision").GetString());
        Assert.Contains("warrant_already_used", refused.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(approvalId, refused.GetProperty("approval").GetProperty("id").GetString());
        Assert.Single(_gw.Upstream.To("/payments/refunds"));
    }

    [Fact]
    public async Task Refund_WarrantWithAChangedArgument_IsNotSatisfiedAndNotConsumed()
    {
        var approvalId = await RequestApprovalAsync(Refund);
        var alice = _gw.Admin(await _gw.IssueTokenAsync("alice", "approver"));
        using var approve = await alice.PostAsync($"/admin/v1/tenants/demo/approvals/{approvalId}/approve", null);
        Assert.Equal(HttpStatusCode.OK, approve.StatusCode);
        var warrant = (await PollAsync(approvalId)).GetProperty("warrant").GetString()!;

        using var changed = await _gw.Agent.PostJsonAsync("/v1/actions/invoke-tool",
            WithWarrant("""{"tool":"payments.refund","args":{"order":"o-1","amount":2500}}""", warrant));

        var refused = await ProblemAssert.IsProblemAsync(changed, HttpStatusCode.Conflict, "warrant_rejected");
        Assert.Equal("require_approval", refused.GetProperty("decision").GetString());
        Assert.Contains("warrant_intent_mismatch", refused.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Empty(_gw.Upstream.To("/payments"));

        // The mismatched retry did not burn the legitimate warrant.
        using var genuine = await _gw.Agent.PostJsonAsync("/v1/actions/invoke-tool", WithWarrant(Refund, warrant));
        await DecisionJson.DecisionAsync(genuine, "allow_and_log");
        Assert.Single(_gw.Upstream.To("/payments/refunds"));
    }

    [Fact]
    public async Task Refund_NonApproverWithTheApproverRole_CannotApprove()
    {
        var approvalId = await RequestApprovalAsync(Refund);
        var malloryIssue = await Assert.ThrowsAsync<InvalidOperationException>(() => _gw.IssueTokenAsync("mallory", "approver"));
        var operatorWide = _gw.Admin(await _gw.IssueTokenAsync("mallory-ops", "admin"));

        using var approve = await operatorWide.PostAsync($"/admin/v1/tenants/demo/approvals/{approvalId}/approve", null);

        Assert.Contains("token_person_unknown", malloryIssue.Message, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, approve.StatusCode);
        Assert.Equal("admin_role_required", (await DecisionJson.ReadAsync(approve, HttpStatusCode.Forbidden)).GetProperty("code").GetString());
        var poll = await PollAsync(approvalId);
        Assert.Equal("pending", poll.GetProperty("status").GetString());
        Assert.False(DecisionJson.Has(poll, "warrant"));
    }

    [Fact]
    public async Task Refund_TheBootstrapAdmin_CannotApprove()
    {
        var approvalId = await RequestApprovalAsync(Refund);

        using var approve = await _gw.Admin().PostAsync($"/admin/v1/tenants/demo/approvals/{approvalId}/approve", null);

        Assert.Equal(HttpStatusCode.Forbidden, approve.StatusCode);
        Assert.Equal("pending", (await PollAsync(approvalId)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Refund_PollByAnotherAgent_IsNotFound()
    {
        var approvalId = await RequestApprovalAsync(Refund);

        using var response = await _gw.Rogue.SendAsync(_gw.Rogue.Create(HttpMethod.Get, "/v1/approvals/" + approvalId));

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task Refund_WarrantWithoutApproval_IsRefused()
    {
        await RequestApprovalAsync(Refund);

        using var forged = await _gw.Agent.PostJsonAsync("/v1/actions/invoke-tool", WithWarrant(Refund, "w1.eyJ0aWQiOiJkZW1vIn0.AAAA"));

        var refused = await ProblemAssert.IsProblemAsync(forged, HttpStatusCode.Conflict, "warrant_rejected");
        Assert.Equal("require_approval", refused.GetProperty("decision").GetString());
        Assert.Empty(_gw.Upstream.To("/payments"));
    }

    [Theory]
    [InlineData("gamut-warrant-v1")]
    [InlineData("gamut gateway approval warrant v2")]
    public async Task Refund_WarrantForgedWithTheDecisionSigningKey_IsRefusedRecordedAndNeverForwarded(string label)
    {
        // What an executor or webhook receiver holding the decision signing key knows: the require_approval answer's
        // digests; the approval id is made up (none was approved), and the warrant would live a day.
        using var first = await _gw.Agent.PostJsonAsync("/v1/actions/invoke-tool", Refund);
        var asked = await ProblemAssert.IsProblemAsync(first, HttpStatusCode.Conflict, "approval_required");
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var claims = JsonSerializer.SerializeToUtf8Bytes(new
        {
            tid = "demo", aid = "demo-agent", tool = "payments.refund", act = DecisionJson.IntentDigest(asked),
            apr = "apr_" + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(16)), pol = DecisionJson.PolicyDigest(asked),
            tgn = 0, agn = 0, iat = now, exp = now + 86400,
        });
        var key = HKDF.DeriveKey(HashAlgorithmName.SHA256, _gw.DecisionSigningKey, 32, salt: [], info: Encoding.ASCII.GetBytes(label));
        var signed = "w1." + Base64Url.EncodeToString(claims);
        var forged = signed + "." + Base64Url.EncodeToString(HMACSHA256.HashData(key, Encoding.ASCII.GetBytes(signed)));

        using var retry = await _gw.Agent.PostJsonAsync("/v1/actions/invoke-tool", WithWarrant(Refund, forged));

        var refused = await ProblemAssert.IsProblemAsync(retry, HttpStatusCode.Conflict, "warrant_rejected");
        Assert.Contains("warrant_bad_signature", refused.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.False(refused.GetProperty("invoked").GetBoolean());
        Assert.Empty(_gw.Upstream.To("/payments"));
        var records = await _gw.AuditRecordsAsync(Assert.Single(retry.Headers.GetValues("X-Request-Id")));
        Assert.Equal("require_approval", Assert.Single(records).GetProperty("decision").GetString());
    }

    [Fact]
    public async Task Simulate_WithAWarrant_LeavesTheWarrantForTheRealCall()
    {
        var warrant = await ApprovedWarrantAsync();

        using (var simulated = await _gw.Agent.PostJsonAsync("/v1/actions/invoke-tool", WithWarrant(Refund, warrant)[..^1] + ",\"simulate\":true}"))
        {
            Assert.True(simulated.IsSuccessStatusCode, $"simulate answered {(int)simulated.StatusCode}");
        }

        using var real = await _gw.Agent.PostJsonAsync("/v1/actions/invoke-tool", WithWarrant(Refund, warrant));

        Assert.True((await DecisionJson.DecisionAsync(real, "allow_and_log")).GetProperty("invoked").GetBoolean());
        Assert.Single(_gw.Upstream.To("/payments/refunds"));
    }

    [Fact]
    public async Task Refund_WarrantAfterThePolicyChanged_IsRefusedAsPolicyChanged()
    {
        var warrant = await ApprovedWarrantAsync();
        _gw.Bundle.Rewrite(text => text.Replace("warrant_ttl: 15m", "warrant_ttl: 14m", StringComparison.Ordinal));
        Assert.Empty(await _gw.Host.Services.GetRequiredService<PolicyProvider>().ReloadAsync());

        using var retry = await _gw.Agent.PostJsonAsync("/v1/actions/invoke-tool", WithWarrant(Refund, warrant));

        var refused = await ProblemAssert.IsProblemAsync(retry, HttpStatusCode.Conflict, "warrant_rejected");
        Assert.Contains("warrant_policy_changed", refused.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Empty(_gw.Upstream.To("/payments"));
    }

    [Fact]
    public async Task Refund_WarrantAfterACompatibleChange_IsHonoured()
    {
        var warrant = await ApprovedWarrantAsync();
        var provider = _gw.Host.Services.GetRequiredService<PolicyProvider>();
        Assert.True(provider.Current!.Set.TryGetTenant("demo", out var before));
        _gw.Bundle.Rewrite(text => text
            .Replace("warrant_ttl: 15m", "warrant_ttl: 14m", StringComparison.Ordinal)
            .Replace("workspaces: [ws-demo]", $"workspaces: [ws-demo]\ncompatible_with: [{before!.Digest}]", StringComparison.Ordinal));
        Assert.Empty(await provider.ReloadAsync());
        Assert.True(provider.Current!.Set.TryGetTenant("demo", out var after));
        Assert.NotEqual(before!.Digest, after!.Digest);

        using var retry = await _gw.Agent.PostJsonAsync("/v1/actions/invoke-tool", WithWarrant(Refund, warrant));

        Assert.True((await DecisionJson.DecisionAsync(retry, "allow_and_log")).GetProperty("invoked").GetBoolean());
        Assert.Single(_gw.Upstream.To("/payments/refunds"));
    }

    [Fact]
    public async Task RogueAgentRead_ApprovedByTheSecurityOwner_IsApproved()
    {
        using var first = await _gw.Rogue.PostJsonAsync("/v1/actions/invoke-tool", """{"tool":"crm.read_contact","args":{"id":"c-1"}}""");
        var approval = (await ProblemAssert.IsProblemAsync(first, HttpStatusCode.Conflict, "approval_required")).GetProperty("approval");
        var securityOwner = _gw.Admin(await _gw.IssueTokenAsync("sec-team", "approver"));

        using var approve = await securityOwner.PostAsync($"/admin/v1/tenants/demo/approvals/{approval.GetProperty("id").GetString()}/approve", null);

        Assert.Equal("approved", (await DecisionJson.ReadAsync(approve, HttpStatusCode.OK)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Refund_WarrantRedeemedThenCredentialUnavailable_WarrantStillGoodOnRetry()
    {
        var warrant = await ApprovedWarrantAsync();
        var admin = _gw.Admin();
        using (var revoked = await admin.DeleteAsync("/admin/v1/tenants/demo/credentials/payments-key"))
        {
            Assert.Equal(HttpStatusCode.NoContent, revoked.StatusCode);
        }

        using (var refused = await _gw.Agent.PostJsonAsync("/v1/actions/invoke-tool", WithWarrant(Refund, warrant)))
        {
            await ProblemAssert.IsProblemAsync(refused, HttpStatusCode.ServiceUnavailable, "credential_unavailable");
        }

        Assert.Empty(_gw.Upstream.To("/payments"));
        using (var restored = await admin.PutAsync("/admin/v1/tenants/demo/credentials/payments-key",
            new StringContent(JsonSerializer.Serialize(new { value = GovernedGateway.Credentials["payments-key"] }), Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.OK, restored.StatusCode);
        }

        // Nothing was forwarded, so the approval was not carried out: the same warrant carries it out now, once.
        using var retry = await _gw.Agent.PostJsonAsync("/v1/actions/invoke-tool", WithWarrant(Refund, warrant));

        Assert.True((await DecisionJson.DecisionAsync(retry, "allow_and_log")).GetProperty("invoked").GetBoolean());
        Assert.Single(_gw.Upstream.To("/payments/refunds"));
    }

    private async Task<string> ApprovedWarrantAsync() =>
        (await ApprovalCalls.ApprovedWarrantAsync(_gw.Agent, _gw.Admin(await _gw.IssueTokenAsync("alice", "approver")), Refund)).Warrant;

    private Task<string> RequestApprovalAsync(string body) => ApprovalCalls.RequestApprovalAsync(_gw.Agent, body);

    private Task<JsonElement> PollAsync(string id) => ApprovalCalls.PollAsync(_gw.Agent, id);

    private static string WithWarrant(string body, string warrant) => ApprovalCalls.WithWarrant(body, warrant);
}

/// <summary>A gate that needs two approvals (a copy of the example with <c>approvals_required: 2</c>).</summary>
public sealed class TwoPersonApprovalTests : IAsyncLifetime
{
    private const string Refund = """{"tool":"payments.refund","args":{"order":"o-2","amount":40}}""";
    private GovernedGateway _gw = null!;

    public async Task InitializeAsync() => _gw = await GovernedGateway.StartAsync(text =>
        text.Replace("approvers: [alice, bob]\n    approvals_required: 1", "approvers: [alice, bob]\n    approvals_required: 2", StringComparison.Ordinal));

    public async Task DisposeAsync() => await _gw.DisposeAsync();

    [Fact]
    public async Task Refund_TwoApprovalsRequired_NeedsTwoDistinctPeople()
    {
        using var first = await _gw.Agent.PostJsonAsync("/v1/actions/invoke-tool", Refund);
        var problem = await ProblemAssert.IsProblemAsync(first, HttpStatusCode.Conflict, "approval_required");
        var id = problem.GetProperty("approval").GetProperty("id").GetString()!;
        Assert.Equal(2, (await PollAsync(id)).GetProperty("approvals_required").GetInt32());
        var alice = _gw.Admin(await _gw.IssueTokenAsync("alice", "approver"));
        var bob = _gw.Admin(await _gw.IssueTokenAsync("bob", "approver"));

        using (var once = await alice.PostAsync($"/admin/v1/tenants/demo/approvals/{id}/approve", null))
        {
            Assert.Equal(HttpStatusCode.OK, once.StatusCode);
        }

        using (var twice = await alice.PostAsync($"/admin/v1/tenants/demo/approvals/{id}/approve", null))
        {
            Assert.True(twice.IsSuccessStatusCode || twice.StatusCode == HttpStatusCode.Conflict, $"alice again: {(int)twice.StatusCode}");
        }

        var afterAlice = await PollAsync(id);
        Assert.Equal("pending", afterAlice.GetProperty("status").GetString());
        Assert.Equal(["alice"], afterAlice.GetProperty("approvals").EnumerateArray().Select(a => a.GetString()!).ToArray());
        Assert.False(DecisionJson.Has(afterAlice, "warrant"));
        using (var early = await _gw.Agent.PostJsonAsync("/v1/actions/invoke-tool", Refund))
        {
            await ProblemAssert.IsProblemAsync(early, HttpStatusCode.Conflict, "approval_required");
        }

        using (var second = await bob.PostAsync($"/admin/v1/tenants/demo/approvals/{id}/approve", null))
        {
            Assert.Equal("approved", (await DecisionJson.ReadAsync(second, HttpStatusCode.OK)).GetProperty("status").GetString());
        }

        var approved = await PollAsync(id);
        Assert.Equal("approved", approved.GetProperty("status").GetString());
        Assert.Equal(["alice", "bob"], approved.GetProperty("approvals").EnumerateArray().Select(a => a.GetString()!).Order().ToArray());

        using var retry = await _gw.Agent.PostJsonAsync("/v1/actions/invoke-tool", ApprovalCalls.WithWarrant(Refund, approved.GetProperty("warrant").GetString()!));
        await DecisionJson.DecisionAsync(retry, "allow_and_log");
        Assert.Single(_gw.Upstream.To("/payments/refunds"));
    }

    private Task<JsonElement> PollAsync(string id) => ApprovalCalls.PollAsync(_gw.Agent, id);
}
