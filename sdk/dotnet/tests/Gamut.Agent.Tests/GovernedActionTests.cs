using System.Text.Json.Nodes;
using Gamut.Agent.Tests.Infrastructure;

namespace Gamut.Agent.Tests;

/// <summary>
/// The .NET SDK's governed actions against the REAL gateway binary on loopback: the happy paths, every
/// fail-closed case with its typed exception, and waiting on an approval.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class GovernedActionTests(GatewayEnvironment env) : IDisposable
{
    private readonly GamutClient _gamut = new(env.Demo);

    public void Dispose() => _gamut.Dispose();

    [Fact]
    public async Task InvokeToolAsync_ReadsAContactWithTheCredentialInjected()
    {
        var before = env.Upstream.Count("/crm/contacts/42");
        var action = await _gamut.InvokeToolAsync("crm.read_contact", new JsonObject { ["id"] = "42" });
        Assert.True(action.Invoked);
        Assert.Equal("allow", action.Decision);
        Assert.Equal("Dana Example", action.Result!.Value.GetProperty("name").GetString());
        Assert.Equal(before + 1, env.Upstream.Count("/crm/contacts/42"));
        Assert.Equal("Bearer crm-test-token", env.Upstream.Requests.Last(r => r.Path == "/crm/contacts/42").Authorization);
    }

    [Fact]
    public async Task EvaluateAsync_DecidesWithoutExecuting()
    {
        var before = env.Upstream.Count("/crm/contacts/7");
        var decision = await _gamut.EvaluateAsync("crm.read_contact", new JsonObject { ["id"] = "7" });
        Assert.Equal("allow", decision.Decision);
        Assert.False(decision.Invoked);
        Assert.StartsWith("v1.", decision.DecisionToken, StringComparison.Ordinal);
        Assert.Equal(before, env.Upstream.Count("/crm/contacts/7"));
    }

    [Fact]
    public async Task InvokeToolAsync_Receipt_VerifiesOfflineWithTheGatewaysJwks()
    {
        var action = await _gamut.InvokeToolAsync("crm.read_contact", new JsonObject { ["id"] = "43" });
        using var http = new HttpClient();
        var jwks = await http.GetStringAsync(new Uri(env.BaseUrl + "/.well-known/gamut-receipt-keys.json"));

        var claims = GamutReceipts.VerifyReceipt(action.Receipt!, jwks);

        Assert.Equal("allow", claims.GetProperty("decision").GetString());
        Assert.Equal("crm.read_contact", claims.GetProperty("tool").GetString());
        Assert.Equal("demo", claims.GetProperty("tenant").GetString());
        Assert.Equal(2, claims.GetProperty("v").GetInt32());
    }

    [Fact]
    public async Task EvaluateAsync_WithSimulate_ReturnsTheDecisionWithoutAToken()
    {
        var before = env.Upstream.Count("/crm/contacts/8");
        var decision = await _gamut.EvaluateAsync("crm.read_contact", new JsonObject { ["id"] = "8" }, new ToolCallOptions { Simulate = true });
        Assert.Equal("allow", decision.Decision);
        Assert.Null(decision.DecisionToken);
        Assert.Equal(before, env.Upstream.Count("/crm/contacts/8"));
    }

    [Fact]
    public async Task ContextAsync_ReturnsTheContextPack()
    {
        var action = await _gamut.ContextAsync("workspace", "contact 42", 1000);
        Assert.Contains("Dana", action.Result!.Value.GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ModelAsync_RunsAGovernedInference()
    {
        var action = await _gamut.ModelAsync("openai", JsonNode.Parse("""{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hello"}]}""")!);
        Assert.Equal("The gateway streamed this.", action.Result!.Value.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());
    }

    [Fact]
    public async Task Denial_ThrowsDeniedWithTheExplanation_AndNeverReachesTheUpstream()
    {
        var denied = await Assert.ThrowsAsync<GamutDeniedException>(() => _gamut.InvokeToolAsync("shell.exec", new JsonObject { ["cmd"] = "rm -rf /" }));
        Assert.Equal(403, denied.Status);
        Assert.Equal("block", denied.Decision);
        Assert.Contains(denied.Explanation!.Value.GetProperty("decision_path").EnumerateArray(),
            c => c.GetProperty("control").GetString() == "tool_permission" && c.GetProperty("outcome").GetString() == "fail");
        Assert.NotEmpty(denied.Remedies);
        Assert.Equal(0, env.Upstream.Count("/exec"));
    }

    [Fact]
    public async Task Non2xx_ThrowsHttpExceptionWithTheProblemCode()
    {
        var error = await Assert.ThrowsAsync<GamutHttpException>(() => _gamut.GetApprovalAsync("apr_does_not_exist"));
        Assert.Equal(404, error.Status);
        Assert.Equal("not_found", error.Code);
    }

    [Fact]
    public async Task InvokedFalse_ThrowsNotInvoked()
    {
        var before = env.Upstream.Count("/crm/contacts/9");
        await Assert.ThrowsAsync<GamutNotInvokedException>(() => _gamut.InvokeToolAsync("crm.read_contact", new JsonObject { ["id"] = "9" }, new ToolCallOptions { Simulate = true }));
        Assert.Equal(before, env.Upstream.Count("/crm/contacts/9"));
    }

    [Fact]
    public async Task Timeout_ThrowsAndIsNotRetried()
    {
        var before = env.Upstream.Count("/crm/contacts/slow");
        using var held = env.Upstream.HoldSlowCalls();
        // The call's timeout starts counting only once the upstream holds the call (a call that timed out before the
        // gateway forwarded it would never reach the upstream: at 1.5 s from its start, that happened in CI); the upstream
        // holds it until the test lets it go, so only the client's timeout can end it.
        var clock = new HeldTimers();
        using var gamut = new GamutClient(env.Demo, timeProvider: clock);
        var call = gamut.InvokeToolAsync("crm.read_contact", new JsonObject { ["id"] = "slow" }, new ToolCallOptions { Timeout = TimeSpan.FromMilliseconds(1500) });
        await Task.WhenAny(held.Arrived, call).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(held.Arrived.IsCompleted, $"the slow call did not reach the upstream; the call ended {call.Status}: {call.Exception?.InnerException?.Message}");

        clock.Start();
        await Assert.ThrowsAsync<GamutTimeoutException>(() => call);
        held.Open();

        // Once the one slow call has ended at the upstream (aborted with its client, or answered), a retry would have come before: none did.
        await Eventually(() => held.Ended > 0, "the slow call did not end at the upstream");
        Assert.Equal(before + 1, env.Upstream.Count("/crm/contacts/slow"));
    }

    [Fact]
    public async Task StaleCredential_ThrowsAuthentication()
    {
        using var stale = new GamutClient(env.Demo with { Secret = "an-old-rotated-secret-value" });
        var error = await Assert.ThrowsAsync<GamutAuthenticationException>(() => stale.EvaluateAsync("crm.read_contact", new JsonObject { ["id"] = "1" }));
        Assert.Equal("signature_mismatch", error.Code);
    }

    [Fact]
    public async Task RevokedCredential_ThrowsAuthentication()
    {
        using var rogue = new GamutClient(env.Demo with { AgentId = "rogue-agent", Secret = env.RogueSecret });
        await env.AdminAsync(HttpMethod.Post, "tenants/demo/agents/rogue-agent/revoke-secret");
        var error = await Assert.ThrowsAsync<GamutAuthenticationException>(() => rogue.InvokeToolAsync("crm.read_contact", new JsonObject { ["id"] = "1" }));
        Assert.Equal("secret_revoked", error.Code);
    }

    [Fact]
    public async Task AnswerNamingAnotherAgent_ThrowsIdentityMismatch()
    {
        await using var relay = await TamperingRelay.StartAsync(env.BaseUrl);
        using var relayed = new GamutClient(env.Demo with { BaseUrl = relay.BaseUri.AbsoluteUri });
        var error = await Assert.ThrowsAsync<GamutIdentityMismatchException>(() => relayed.EvaluateAsync("crm.read_contact", new JsonObject { ["id"] = "1" }));
        Assert.Contains("another-agent", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SecretMaterial_IsRefusedBeforeSending()
    {
        static bool ToTheUpstreams(UpstreamRequest r) => r.Path.StartsWith("/crm/", StringComparison.Ordinal) || r.Path == "/v1/chat/completions";
        var before = env.Upstream.Requests.Count(ToTheUpstreams);
        var error = await Assert.ThrowsAsync<GamutSecretMaterialException>(() => _gamut.InvokeToolAsync("crm.update_contact", new JsonObject { ["id"] = "1", ["api_key"] = "x" }));
        Assert.Equal([new SecretFinding("$.args.api_key", "credential_member")], error.Findings);
        await Assert.ThrowsAsync<GamutSecretMaterialException>(() => _gamut.ModelAsync("openai", JsonNode.Parse("""{"model":"m","messages":[{"role":"user","content":"Bearer abcdef123456789"}]}""")!));
        Assert.Equal(before, env.Upstream.Requests.Count(ToTheUpstreams));
    }

    [Fact]
    public async Task RequiredApproval_ThrowsUnlessWaiting()
    {
        var error = await Assert.ThrowsAsync<GamutApprovalRequiredException>(() => _gamut.InvokeToolAsync("payments.refund", new JsonObject { ["order"] = "A-1", ["amount"] = 5 }));
        Assert.Equal(409, error.Status);
        Assert.StartsWith("apr_", error.ApprovalId, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WaitForApproval_Approved_RetriesOnceWithTheWarrant()
    {
        var before = env.Upstream.Count("/payments/refunds");
        ApprovalState? pending = null;
        var wait = new ApprovalWait { InitialInterval = TimeSpan.FromMilliseconds(50), MaxInterval = TimeSpan.FromMilliseconds(200), Deadline = TimeSpan.FromMinutes(1), OnPending = s => pending ??= s };
        var action = _gamut.InvokeToolAsync("payments.refund", new JsonObject { ["order"] = "A-2", ["amount"] = 7 }, new ToolCallOptions { WaitForApproval = wait });
        await Eventually(() => pending is not null, "the approval never became pending");
        Assert.Equal(["alice", "bob"], pending!.Approvers);
        await env.ApproveAsync(pending.Id);
        var result = await action;
        Assert.True(result.Invoked);
        Assert.Equal("allow_and_log", result.Decision);
        Assert.Equal(before + 1, env.Upstream.Count("/payments/refunds"));
    }

    [Fact]
    public async Task EvaluateAsync_WithAnApprovedWarrant_AnswersWithoutATokenAndTheWarrantThenRunsTheActionOnce()
    {
        var args = new JsonObject { ["order"] = "A-5", ["amount"] = 11 };
        var before = env.Upstream.Count("/payments/refunds");
        var held = await Assert.ThrowsAsync<GamutApprovalRequiredException>(() => _gamut.InvokeToolAsync("payments.refund", args));
        await env.ApproveAsync(held.ApprovalId);
        var warrant = await _gamut.WaitForApprovalAsync(held.ApprovalId, new ApprovalWait { InitialInterval = TimeSpan.FromMilliseconds(50) }, "payments.refund");

        // The gateway checks the warrant without spending it and issues no token (docs/agent-protocol.md, the evaluate departure).
        var decision = await _gamut.EvaluateAsync("payments.refund", args, new ToolCallOptions { Warrant = warrant });

        Assert.Equal(("allow_and_log", false), (decision.Decision, decision.Invoked));
        Assert.Null(decision.DecisionToken);
        Assert.Equal(before, env.Upstream.Count("/payments/refunds"));
        var action = await _gamut.InvokeToolAsync("payments.refund", args, new ToolCallOptions { Warrant = warrant });
        Assert.True(action.Invoked);
        Assert.StartsWith("v1.", action.DecisionToken, StringComparison.Ordinal);
        Assert.Equal(before + 1, env.Upstream.Count("/payments/refunds"));
    }

    [Fact]
    public async Task WaitForApproval_Denied_ThrowsAndNothingRuns()
    {
        var before = env.Upstream.Count("/payments/refunds");
        ApprovalState? pending = null;
        var wait = new ApprovalWait { InitialInterval = TimeSpan.FromMilliseconds(50), MaxInterval = TimeSpan.FromMilliseconds(200), OnPending = s => pending ??= s };
        var action = _gamut.InvokeToolAsync("payments.refund", new JsonObject { ["order"] = "A-3", ["amount"] = 9 }, new ToolCallOptions { WaitForApproval = wait });
        await Eventually(() => pending is not null, "the approval never became pending");
        await env.DenyAsync(pending!.Id);
        await Assert.ThrowsAsync<GamutApprovalDeniedException>(() => action);
        Assert.Equal(before, env.Upstream.Count("/payments/refunds"));
    }

    [Fact]
    public async Task WaitForApproval_DeadlinePassing_Throws()
    {
        var before = env.Upstream.Count("/payments/refunds");
        var wait = new ApprovalWait { InitialInterval = TimeSpan.FromMilliseconds(20), Deadline = TimeSpan.FromMilliseconds(100) };
        await Assert.ThrowsAsync<GamutApprovalTimeoutException>(() => _gamut.InvokeToolAsync("payments.refund", new JsonObject { ["order"] = "A-4", ["amount"] = 3 }, new ToolCallOptions { WaitForApproval = wait }));
        Assert.Equal(before, env.Upstream.Count("/payments/refunds"));
    }

    private static Task Eventually(Func<bool> condition, string failure) =>
        Gateway.Testing.Eventually.HoldsAsync(condition, TimeSpan.FromSeconds(30), failure);
}
