using System.Net;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.Decide;

/// <summary>A request with "simulate": true is evaluate-only: decided and recorded, nothing executed.</summary>
public sealed class SimulateRequestTests : IClassFixture<GovernedGatewayFixture>
{
    private readonly GovernedGateway _gw;

    public SimulateRequestTests(GovernedGatewayFixture fixture) => _gw = fixture.Gateway;

    [Fact]
    public async Task InvokeTool_SimulateAllow_ReturnsTheDecisionWithoutTokenOrInvocation()
    {
        var id = "c-" + Guid.NewGuid().ToString("N");

        using var response = await _gw.Agent.PostJsonAsync("/v1/actions/invoke-tool",
            """{"tool":"crm.read_contact","args":{"id":"ID"},"simulate":true}""".Replace("ID", id, StringComparison.Ordinal));

        var json = await DecisionJson.DecisionAsync(response, "allow");
        Assert.False(json.GetProperty("invoked").GetBoolean());
        Assert.False(DecisionJson.Has(json, "decision_token"));
        Assert.False(DecisionJson.Has(json, "result"));
        Assert.Empty(_gw.Upstream.To("/crm/contacts/" + id));
    }

    [Fact]
    public async Task InvokeTool_SimulateRequireApproval_OpensNoApprovalRequest()
    {
        var before = _gw.Upstream.Received.Count;

        using var response = await _gw.Agent.PostJsonAsync("/v1/actions/invoke-tool", """{"tool":"payments.refund","args":{"order":"o-9","amount":1},"simulate":true}""");

        var json = await DecisionJson.DecisionAsync(response, "require_approval");
        Assert.False(json.GetProperty("invoked").GetBoolean());
        Assert.False(DecisionJson.Has(json, "approval"));
        Assert.False(DecisionJson.Has(json, "decision_token"));
        Assert.Equal(before, _gw.Upstream.Received.Count);
    }

    [Fact]
    public async Task InvokeTool_SimulateBlockAndOpenIncident_OpensNoIncident()
    {
        using var response = await _gw.Rogue.PostJsonAsync("/v1/actions/invoke-tool", """{"tool":"shell.exec","args":{"cmd":"simulated"},"simulate":true}""");

        var json = await DecisionJson.DecisionAsync(response, "block_and_open_incident");
        Assert.False(json.GetProperty("invoked").GetBoolean());
        using var list = await _gw.Admin().GetAsync("/admin/v1/tenants/demo/incidents");
        var incidents = (await DecisionJson.ReadAsync(list, HttpStatusCode.OK)).GetProperty("incidents").EnumerateArray();
        Assert.DoesNotContain(incidents, i => i.GetProperty("intent_digest").GetString() == DecisionJson.IntentDigest(json));
    }

    [Theory]
    [InlineData("/v1/actions/model", """{"connector":"openai","request":{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]},"simulate":true}""")]
    [InlineData("/v1/actions/context", """{"scope":"workspace","query":"q","max_bytes":100,"simulate":true}""")]
    public async Task EnvelopeAction_SimulateTrue_IsDecidedAndForwardsNothing(string route, string body)
    {
        var before = _gw.Upstream.Received.Count;

        using var response = await _gw.Agent.PostJsonAsync(route, body);

        var json = await DecisionJson.ReadAsync(response, HttpStatusCode.OK);
        Assert.False(json.GetProperty("invoked").GetBoolean());
        Assert.True(json.GetProperty("explanation").GetProperty("simulated").GetBoolean());
        Assert.False(DecisionJson.Has(json, "decision_token"));
        Assert.Equal(before, _gw.Upstream.Received.Count);
    }
}

/// <summary>A tenant in shadow mode (simulate: true in a copy of the example) enforces nothing and says what would have happened.</summary>
public sealed class SimulateTenantTests : IClassFixture<SimulateTenantTests.Fixture>
{
    private readonly GovernedGateway _gw;

    public SimulateTenantTests(Fixture fixture) => _gw = fixture.Gateway;

    [Fact]
    public async Task InvokeTool_WouldBeBlock_IsForwardedAndSaysWouldBeBlock()
    {
        var before = _gw.Upstream.To("/mail").Count;

        using var response = await _gw.Agent.PostJsonAsync("/v1/actions/invoke-tool", """{"tool":"mail.send","args":{"to":"someone@gmail.com","body":"hi"}}""");

        var json = await DecisionJson.ReadAsync(response, HttpStatusCode.OK);
        Assert.True(json.GetProperty("invoked").GetBoolean());
        Assert.True(json.GetProperty("simulated").GetBoolean());
        Assert.Equal("block", json.GetProperty("would_be").GetString());
        Assert.Equal("block", json.GetProperty("explanation").GetProperty("would_be").GetString());
        Assert.Contains(json.GetProperty("explanation").GetProperty("rule_triggers").EnumerateArray(),
            t => t.GetProperty("reason_code").GetString() == "personal_mail_domain");
        Assert.Equal(before + 1, _gw.Upstream.To("/mail").Count);
    }

    [Fact]
    public async Task InvokeTool_WouldBeAllow_IsForwardedAndSaysWouldBeAllow()
    {
        var id = "c-" + Guid.NewGuid().ToString("N");

        using var response = await _gw.Agent.PostJsonAsync("/v1/actions/invoke-tool", """{"tool":"crm.read_contact","args":{"id":"ID"}}""".Replace("ID", id, StringComparison.Ordinal));

        var json = await DecisionJson.DecisionAsync(response, "allow");
        Assert.True(json.GetProperty("invoked").GetBoolean());
        Assert.Equal("allow", json.GetProperty("would_be").GetString());
        Assert.Single(_gw.Upstream.To("/crm/contacts/" + id));
    }

    [Fact]
    public async Task InvokeTool_UnknownToolOfAnAgentWithACriticalFinding_StaysBlockedAndOpensNoIncident()
    {
        using var response = await _gw.Rogue.PostJsonAsync("/v1/actions/invoke-tool", """{"tool":"shell.not_in_catalog","args":{}}""");

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Forbidden, "blocked");
        var explanation = problem.GetProperty("explanation");
        Assert.True(explanation.GetProperty("simulated").GetBoolean());
        Assert.Equal("block_and_open_incident", explanation.GetProperty("would_be").GetString());
        using var list = await _gw.Admin().GetAsync("/admin/v1/tenants/demo/incidents");
        var incidents = (await DecisionJson.ReadAsync(list, HttpStatusCode.OK)).GetProperty("incidents").EnumerateArray();
        Assert.DoesNotContain(incidents, i => i.GetProperty("intent_digest").GetString() == explanation.GetProperty("intent_digest").GetString());
    }

    public sealed class Fixture : IAsyncLifetime
    {
        public GovernedGateway Gateway { get; private set; } = null!;

        public async Task InitializeAsync() => Gateway = await GovernedGateway.StartAsync(text =>
            text.Replace("simulate: false", "simulate: true", StringComparison.Ordinal));

        public async Task DisposeAsync() => await Gateway.DisposeAsync();
    }
}
