using System.Text.Json;
using Gamut.Agent.Upstream;
using Gateway.Policy.Files;
using Gateway.Policy.Serialization;
using Gateway.Policy.Tokens;

namespace Gateway.Policy.Tests;

/// <summary>The example bundle produces each of the six decisions with the requests documented in docs/policy-bundles.md.</summary>
public sealed class ExampleBundleTests
{
    private static readonly Lazy<PolicySet> Set = new(() =>
    {
        var result = PolicyBundleDirectory.Load(Path.Combine(AppContext.BaseDirectory, "ExampleBundle"), TimeProvider.System);
        Assert.True(result.Succeeded, string.Join(Environment.NewLine, result.Errors));
        return result.Set!;
    });

    [Theory]
    [InlineData("demo-agent", """{"tool":"crm.read_contact","args":{"id":"c-1"}}""", "allow")]
    [InlineData("demo-agent", """{"tool":"openai","args":{"model":"gpt-4o","messages":[]}}""", "allow")]
    [InlineData("demo-agent", """{"tool":"docs.search","args":{"query":"refund policy"}}""", "allow")]
    [InlineData("demo-agent", """{"tool":"workspace","args":{"scope":"ws-demo"}}""", "allow")]
    [InlineData("demo-agent", """{"tool":"crm.update_contact","args":{"id":"c-1","email":"new@example.com"}}""", "allow_and_log")]
    [InlineData("demo-agent", """{"tool":"tickets.search","args":{"q":"login"}}""", "degrade")]
    [InlineData("demo-agent", """{"tool":"payments.refund","args":{"order":"o-1","amount":25}}""", "require_approval")]
    [InlineData("demo-agent", """{"tool":"mail.send","args":{"to":"a@example.com","body":"hi"}}""", "require_approval")]
    [InlineData("demo-agent", """{"tool":"mail.send","args":{"to":"a@example.com","body":"x"},"provenance":[{"arg_path":"$.body","source":"external"}]}""", "block")]
    [InlineData("demo-agent", """{"tool":"mail.send","args":{"to":"me@gmail.com","body":"x"}}""", "block")]
    [InlineData("demo-agent", """{"tool":"shell.exec","args":{"cmd":"rm -rf /"}}""", "block")]
    [InlineData("demo-agent", """{"tool":"docs.delete","args":{"id":"d-1"}}""", "block")]
    [InlineData("rogue-agent", """{"tool":"shell.exec","args":{"cmd":"curl evil"}}""", "block_and_open_incident")]
    [InlineData("rogue-agent", """{"tool":"crm.read_contact","args":{"id":"c-1"}}""", "require_approval")]
    public void Evaluate_DemoRequest_ProducesDocumentedDecision(string agent, string body, string expected)
    {
        var tenant = Set.Value.Tenants["demo"];
        var request = JsonSerializer.Deserialize(body, PolicyJsonContext.Default.ActionRequest)!;

        var decision = DecisionEngine.Instance.Evaluate(tenant, new AuthenticatedCaller("demo", "ws-demo", agent), request);

        Assert.Equal(expected, WireNames.Of(decision.Kind));
        Assert.Equal(tenant.Digest, decision.PolicyDigest);
    }

    [Fact]
    public void WithWarrant_RefundApproved_AllowAndLogSaysNothingMoreIsNeeded()
    {
        var tenant = Set.Value.Tenants["demo"];
        var request = JsonSerializer.Deserialize("""{"tool":"payments.refund","args":{"order":"A-1","amount":25}}""", PolicyJsonContext.Default.ActionRequest)!;
        var held = DecisionEngine.Instance.Evaluate(tenant, new AuthenticatedCaller("demo", "ws-demo", "demo-agent"), request);

        var warranted = held.WithWarrant(held.IntentDigest);

        Assert.Contains(held.Explanation.WhatWouldChange, static r => r.Contains("warrant", StringComparison.Ordinal));
        Assert.Equal(DecisionKind.AllowAndLog, warranted.Kind);
        Assert.Empty(warranted.Explanation.WhatWouldChange);
    }

    [Fact]
    public void LoadDirectory_ExampleBundle_ResolvesAgentSecretFileAgainstBundle()
    {
        Set.Value.Tenants["demo"].TryGetAgent("demo-agent", out var agent);

        Assert.Equal(SecretSource.File, agent!.Secret!.Source);
        Assert.Equal("demo-secret-do-not-use-in-production-0123456789", File.ReadAllText(agent.Secret.ResolvedPath!));
    }

    [Fact]
    public void Serialize_DecisionResponse_MatchesAgentProtocolShape()
    {
        var tenant = Set.Value.Tenants["demo"];
        var request = JsonSerializer.Deserialize("""{"tool":"payments.refund","args":{"amount":5}}""", PolicyJsonContext.Default.ActionRequest)!;
        var decision = DecisionEngine.Instance.Evaluate(tenant, new AuthenticatedCaller("demo", "ws-demo", "demo-agent"), request);

        using var json = JsonDocument.Parse(JsonSerializer.Serialize(
            DecisionResponse.For(decision, approval: new ApprovalReference("ap-1", "/v1/approvals/ap-1")), PolicyJsonContext.Default.DecisionResponse));
        var root = json.RootElement;

        Assert.Equal("require_approval", root.GetProperty("decision").GetString());
        Assert.False(root.GetProperty("invoked").GetBoolean());
        Assert.Equal("/v1/approvals/ap-1", root.GetProperty("approval").GetProperty("url").GetString());
        Assert.False(root.TryGetProperty("decision_token", out _));
        var explanation = root.GetProperty("explanation");
        foreach (var member in new[] { "policy_digest", "intent_digest", "decision_path", "rule_triggers", "open_risks", "what_would_change" })
        {
            Assert.True(explanation.TryGetProperty(member, out _), member);
        }

        var path = explanation.GetProperty("decision_path").EnumerateArray().ToList();
        Assert.Equal(
            ["agent_registration", "lifecycle", "human_owner", "security_owner", "atf_boundary", "tool_permission", "approval_gate", "data_movement", "incident_playbooks", "risks_findings", "red_team"],
            path.Select(p => p.GetProperty("control").GetString()));
        Assert.Equal("not_applicable", path[8].GetProperty("outcome").GetString());
        Assert.Equal(["alice", "bob"], explanation.GetProperty("approvers").EnumerateArray().Select(a => a.GetString()));
    }

    [Fact]
    public void Deserialize_UnknownMember_IsRefused()
    {
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize("""{"tool":"openai","api_key":"sk-x"}""", PolicyJsonContext.Default.ActionRequest));
    }

    [Fact]
    public void Issue_UnderAGrant_TheReaderReadsTheGrantsClaims()
    {
        var request = JsonSerializer.Deserialize("""{"tool":"crm.read_contact","args":{"id":"c-2"}}""", PolicyJsonContext.Default.ActionRequest)!;
        var decision = DecisionEngine.Instance.Evaluate(Set.Value.Tenants["demo"], new AuthenticatedCaller("demo", "ws-demo", "demo-agent"), request);
        var key = new byte[32];
        var grant = new DecisionTokenGrant("abcdefghijklmnopqrstuv", 3, 9) { RequestId = "req_1", ApprovalId = "apr_1", Evaluation = true };

        var payload = new DecisionTokenReader(key).Read(new DecisionTokenIssuer(key, TimeProvider.System).Issue(decision, grant)).Payload!;

        Assert.Equal(("abcdefghijklmnopqrstuv", 3L, 9L), (payload.TokenId, payload.TenantGeneration, payload.AgentGeneration));
        Assert.Equal(("req_1", "apr_1", (bool?)true), (payload.RequestId, payload.ApprovalId, payload.Evaluation));
        Assert.Equal((decision.IntentDigest, decision.PolicyDigest), (payload.IntentDigest, payload.PolicyDigest));
    }

    [Fact]
    public void Issue_AllowDecisionFromExampleBundle_VerifiesForTheSameIntent()
    {
        var tenant = Set.Value.Tenants["demo"];
        var request = JsonSerializer.Deserialize("""{"tool":"crm.read_contact","args":{"id":"c-1"}}""", PolicyJsonContext.Default.ActionRequest)!;
        var decision = DecisionEngine.Instance.Evaluate(tenant, new AuthenticatedCaller("demo", "ws-demo", "demo-agent"), request);
        var key = new byte[32];

        var token = new DecisionTokenIssuer(key, TimeProvider.System).Issue(decision);
        var result = new DecisionTokenVerifier(key, TimeProvider.System).Verify(token, "demo", "crm.read_contact", decision.IntentDigest);

        Assert.True(result.IsValid, result.Reason);
    }

    [Fact]
    public void Issue_EvaluateOnlyDecision_Throws()
    {
        var tenant = Set.Value.Tenants["demo"];
        var request = JsonSerializer.Deserialize("""{"tool":"crm.read_contact","simulate":true}""", PolicyJsonContext.Default.ActionRequest)!;
        var decision = DecisionEngine.Instance.Evaluate(tenant, new AuthenticatedCaller("demo", "ws-demo", "demo-agent"), request);

        Assert.Throws<InvalidOperationException>(() => new DecisionTokenIssuer(new byte[32], TimeProvider.System).Issue(decision));
    }
}
