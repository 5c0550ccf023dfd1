using System.Buffers.Text;
using System.Net;
using System.Text;
using System.Text.Json;
using Gamut.Agent.Upstream;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.Decide;

/// <summary>
/// Each of the six decisions of the example bundle (docs/policy-bundles.md), through the running
/// gateway: the status each maps to, the explanation, and for the allow family the decision token as
/// the upstream received and verified it.
/// </summary>
public sealed class ExampleDecisionTests : IClassFixture<GovernedGatewayFixture>
{
    private readonly GovernedGateway _gw;

    public ExampleDecisionTests(GovernedGatewayFixture fixture) => _gw = fixture.Gateway;

    [Theory]
    [InlineData("demo-agent", """{"tool":"crm.read_contact","args":{"id":"c-1"}}""", "allow")]
    [InlineData("demo-agent", """{"tool":"crm.update_contact","args":{"id":"c-1","email":"n@example.com"}}""", "allow_and_log")]
    [InlineData("demo-agent", """{"tool":"tickets.search","args":{"q":"login"}}""", "degrade")]
    [InlineData("demo-agent", """{"tool":"crm.read_contact","args":{"id":"c-1"},"data_classes":["pii"]}""", "degrade")]
    [InlineData("demo-agent", """{"tool":"payments.refund","args":{"order":"o-1","amount":25}}""", "require_approval")]
    [InlineData("demo-agent", """{"tool":"shell.exec","args":{"cmd":"ls"}}""", "block")]
    [InlineData("demo-agent", """{"tool":"mail.send","args":{"to":"a@example.com","body":"x"},"provenance":[{"arg_path":"$.body","source":"external"}]}""", "block")]
    [InlineData("rogue-agent", """{"tool":"shell.exec","args":{"cmd":"curl"}}""", "block_and_open_incident")]
    [InlineData("rogue-agent", """{"tool":"crm.read_contact","args":{"id":"c-1"}}""", "require_approval")]
    public async Task Evaluate_ExampleRow_Returns200WithItsDecision(string agent, string body, string decision)
    {
        var client = agent == "rogue-agent" ? _gw.Rogue : _gw.Agent;
        var before = _gw.Upstream.Received.Count;

        using var response = await client.PostJsonAsync("/v1/evaluate", body);

        var json = await DecisionJson.DecisionAsync(response, decision);
        Assert.False(json.GetProperty("invoked").GetBoolean());
        Assert.Matches("^[0-9a-f]{64}$", DecisionJson.PolicyDigest(json));
        DecisionJson.AssertSpecOrder(json);
        var allowFamily = decision is "allow" or "allow_and_log" or "degrade";
        Assert.Equal(allowFamily, DecisionJson.Has(json, "decision_token"));
        Assert.Equal(decision == "require_approval", DecisionJson.Has(json, "approval"));
        Assert.Equal(before, _gw.Upstream.Received.Count);
    }

    [Fact]
    public async Task InvokeTool_Allow_ForwardsWithATokenTheUpstreamVerifies()
    {
        var id = "c-" + Guid.NewGuid().ToString("N");

        using var response = await _gw.Agent.PostJsonAsync("/v1/actions/invoke-tool", """{"tool":"crm.read_contact","args":{"id":"ID"}}""".Replace("ID", id, StringComparison.Ordinal));

        var json = await DecisionJson.DecisionAsync(response, "allow");
        Assert.True(json.GetProperty("invoked").GetBoolean());
        Assert.All(DecisionJson.Path(json), c => Assert.Contains(c.Outcome, new[] { "pass", "not_applicable" }));
        Assert.Empty(DecisionJson.WhatWouldChange(json));
        Assert.Equal(id, json.GetProperty("result").GetProperty("id").GetString());
        var check = AssertUpstreamVerified("/crm/contacts/" + id, json);
        Assert.Equal("allow", check.Payload!.Decision);
        Assert.Equal("crm.read_contact", check.Payload.Tool);
    }

    [Fact]
    public async Task InvokeTool_AllowAndLog_ForwardsTheWriteWithAToken()
    {
        var id = "c-" + Guid.NewGuid().ToString("N");

        using var response = await _gw.Agent.PostJsonAsync("/v1/actions/invoke-tool",
            """{"tool":"crm.update_contact","args":{"id":"ID","email":"n@example.com"}}""".Replace("ID", id, StringComparison.Ordinal));

        var json = await DecisionJson.DecisionAsync(response, "allow_and_log");
        Assert.True(json.GetProperty("invoked").GetBoolean());
        Assert.Equal("pass", DecisionJson.Outcome(json, "data_movement"));
        var check = AssertUpstreamVerified("/crm/contacts/" + id, json);
        Assert.Equal("allow_and_log", check.Payload!.Decision);
        var received = Assert.Single(_gw.Upstream.To("/crm/contacts/" + id));
        Assert.Equal("PATCH", received.Method);
        Assert.Equal("n@example.com", JsonDocument.Parse(received.Body).RootElement.GetProperty("email").GetString());
    }

    [Fact]
    public async Task InvokeTool_Degrade_RunsInTheReducedFormWithADegradedToken()
    {
        var query = "login-" + Guid.NewGuid().ToString("N");

        using var response = await _gw.Agent.PostJsonAsync("/v1/actions/invoke-tool",
            """{"tool":"tickets.search","args":{"q":"Q"}}""".Replace("Q", query, StringComparison.Ordinal));

        var json = await DecisionJson.DecisionAsync(response, "degrade");
        Assert.True(json.GetProperty("invoked").GetBoolean());
        Assert.Equal("fail", DecisionJson.Outcome(json, "data_movement"));
        Assert.Equal("redact", json.GetProperty("explanation").GetProperty("degrade_mode").GetString());
        var result = json.GetProperty("result").GetRawText();
        Assert.DoesNotContain(TestUpstream.Email, result, StringComparison.Ordinal);
        Assert.Contains("[REDACTED:email]", result, StringComparison.Ordinal);
        var check = AssertUpstreamVerified("/tickets/search?q=" + query, json);
        Assert.Equal("degrade", check.Payload!.Decision);
    }

    [Fact]
    public async Task InvokeTool_RequireApproval_Returns409WithTheApprovalRequestAndForwardsNothing()
    {
        var before = _gw.Upstream.To("/payments").Count;

        using var response = await _gw.Agent.PostJsonAsync("/v1/actions/invoke-tool", """{"tool":"payments.refund","args":{"order":"o-1","amount":25}}""");

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Conflict, "approval_required");
        Assert.Equal("require_approval", problem.GetProperty("decision").GetString());
        Assert.False(problem.GetProperty("invoked").GetBoolean());
        var id = problem.GetProperty("approval").GetProperty("id").GetString()!;
        Assert.StartsWith("apr_", id, StringComparison.Ordinal);
        Assert.Equal("/v1/approvals/" + id, problem.GetProperty("approval").GetProperty("url").GetString());
        Assert.False(DecisionJson.Has(problem, "decision_token"));
        Assert.Equal(["alice", "bob"], problem.GetProperty("explanation").GetProperty("approvers").EnumerateArray().Select(a => a.GetString()!).Order().ToArray());
        DecisionJson.AssertSpecOrder(problem);
        Assert.Equal(before, _gw.Upstream.To("/payments").Count);
    }

    [Fact]
    public async Task InvokeTool_Block_Returns403AndForwardsNothing()
    {
        var before = _gw.Upstream.To("/exec").Count;

        using var response = await _gw.Agent.PostJsonAsync("/v1/actions/invoke-tool", """{"tool":"shell.exec","args":{"cmd":"ls"}}""");

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Forbidden, "blocked");
        Assert.Equal("block", problem.GetProperty("decision").GetString());
        Assert.False(problem.GetProperty("invoked").GetBoolean());
        Assert.Equal("fail", DecisionJson.Outcome(problem, "tool_permission"));
        DecisionJson.AssertSpecOrder(problem);
        Assert.False(DecisionJson.Has(problem, "decision_token"));
        Assert.Equal(before, _gw.Upstream.To("/exec").Count);
    }

    [Fact]
    public async Task InvokeTool_BlockAndOpenIncident_Returns403AndTheIncidentIsListed()
    {
        var before = _gw.Upstream.To("/exec").Count;

        using var response = await _gw.Rogue.PostJsonAsync("/v1/actions/invoke-tool", """{"tool":"shell.exec","args":{"cmd":"curl"}}""");

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Forbidden, "blocked_incident_opened");
        Assert.Equal("block_and_open_incident", problem.GetProperty("decision").GetString());
        Assert.Equal("fail", DecisionJson.Outcome(problem, "tool_permission"));
        Assert.Contains(problem.GetProperty("explanation").GetProperty("open_risks").EnumerateArray(), r => r.GetProperty("id").GetString() == "F-ROGUE-1");
        var incidentId = problem.GetProperty("incident_id").GetString();
        Assert.False(string.IsNullOrEmpty(incidentId));
        Assert.Equal(before, _gw.Upstream.To("/exec").Count);

        using var list = await _gw.Admin().GetAsync("/admin/v1/tenants/demo/incidents");
        var incidents = (await DecisionJson.ReadAsync(list, HttpStatusCode.OK)).GetProperty("incidents").EnumerateArray().ToList();
        var incident = Assert.Single(incidents, i => i.GetProperty("id").GetString() == incidentId);
        Assert.Equal("rogue-agent", incident.GetProperty("agent").GetString());
        Assert.Equal("shell.exec", incident.GetProperty("tool").GetString());
        Assert.Equal(DecisionJson.IntentDigest(problem), incident.GetProperty("intent_digest").GetString());
        Assert.Contains("F-ROGUE-1", incident.GetProperty("finding_ids").EnumerateArray().Select(f => f.GetString()));
    }

    [Fact]
    public async Task InvokeTool_ToolNotPermittedForTheAgent_BlocksWithTheControlsInOrderAndTheRemedy()
    {
        using var response = await _gw.Agent.PostJsonAsync("/v1/actions/invoke-tool", """{"tool":"docs.delete","args":{"id":"d-1"}}""");

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Forbidden, "blocked");
        DecisionJson.AssertSpecOrder(problem);
        var path = DecisionJson.Path(problem);
        Assert.Equal(["agent_registration", "lifecycle"], path.Take(2).Select(c => c.Control));
        Assert.Equal("pass", path[0].Outcome);
        var permission = problem.GetProperty("explanation").GetProperty("decision_path").EnumerateArray().Single(c => c.GetProperty("control").GetString() == "tool_permission");
        Assert.Equal("fail", permission.GetProperty("outcome").GetString());
        Assert.Equal("critical", permission.GetProperty("severity").GetString());
        var remedy = permission.GetProperty("remedy").GetString()!;
        Assert.Contains(remedy, DecisionJson.WhatWouldChange(problem));
        Assert.Contains("docs.delete", remedy, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvokeTool_ToolUnknownToTheCatalog_BlocksWithTheControlsInOrderAndTheRemedy()
    {
        using var response = await _gw.Agent.PostJsonAsync("/v1/actions/invoke-tool", """{"tool":"crm.export_all","args":{}}""");

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Forbidden, "blocked");
        Assert.Equal("block", problem.GetProperty("decision").GetString());
        Assert.Contains(DecisionJson.WhatWouldChange(problem), r => r.Contains("crm.export_all", StringComparison.Ordinal));
        // The agent is registered and active, so the spec's controls run up to tool permission, which fails.
        DecisionJson.AssertSpecOrder(problem);
        var path = DecisionJson.Path(problem);
        Assert.Equal(("agent_registration", "pass"), path[0]);
        Assert.Equal("fail", DecisionJson.Outcome(problem, "tool_permission"));
    }

    [Fact]
    public async Task DecisionToken_Missing_IsRefusedByTheUpstream()
    {
        using var client = new HttpClient { BaseAddress = _gw.Upstream.Server.BaseAddress };

        using var response = await client.GetAsync("/crm/contacts/direct");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(DecisionTokenFailure.Missing, _gw.Upstream.TokenChecks.Last(c => c.Path == "/crm/contacts/direct").Failure);
    }

    [Fact]
    public async Task DecisionToken_Tampered_IsRefusedByTheUpstream()
    {
        var token = await CaptureTokenAsync();
        var tampered = Tamper(token, payload => payload.Replace("\"crm.read_contact\"", "\"crm.update_contact\"", StringComparison.Ordinal));
        using var client = new HttpClient { BaseAddress = _gw.Upstream.Server.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Patch, "/crm/contacts/tampered");
        request.Headers.TryAddWithoutValidation("X-Gamut-Decision-Token", tampered);

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(DecisionTokenFailure.BadSignature, _gw.Upstream.TokenChecks.Last(c => c.Path == "/crm/contacts/tampered").Failure);
        Assert.Equal(DecisionTokenFailure.BadSignature, _gw.Verifier().Verify(token[..^2] + (token[^2] == 'A' ? "B" : "A") + token[^1], "demo", "crm.read_contact").Failure);
    }

    [Fact]
    public async Task DecisionToken_Expired_IsRefused()
    {
        var token = await CaptureTokenAsync();
        Assert.Equal(DecisionTokenFailure.None, _gw.Verifier().Verify(token, "demo", "crm.read_contact").Failure);

        var later = _gw.Verifier(new OffsetTimeProvider(TimeSpan.FromMinutes(6)));

        Assert.Equal(DecisionTokenFailure.Expired, later.Verify(token, "demo", "crm.read_contact").Failure);
    }

    [Fact]
    public async Task DecisionToken_PresentedForAnotherTenant_IsRefused()
    {
        var token = await CaptureTokenAsync();

        Assert.Equal(DecisionTokenFailure.WrongTenant, _gw.Verifier().Verify(token, "other-tenant", "crm.read_contact").Failure);
        Assert.Equal(DecisionTokenFailure.WrongTool, _gw.Verifier().Verify(token, "demo", expectedTool: "payments.refund").Failure);
    }

    [Fact]
    public async Task DecisionToken_LivesAtMostFiveMinutes()
    {
        var token = await CaptureTokenAsync();

        var payload = _gw.Verifier().Verify(token, "demo", "crm.read_contact").Payload!;

        Assert.InRange(payload.ExpiresAt - payload.IssuedAt, 1, 300);
        Assert.Equal("demo-agent", payload.Agent);
    }

    private TokenCheck AssertUpstreamVerified(string target, JsonElement json)
    {
        var received = Assert.Single(_gw.Upstream.To(target));
        var check = _gw.Upstream.TokenChecks.Last(c => target.StartsWith(c.Path, StringComparison.Ordinal) && c.Token == received.Headers["X-Gamut-Decision-Token"]);
        Assert.Equal(DecisionTokenFailure.None, check.Failure);
        Assert.Equal(json.GetProperty("decision_token").GetString(), check.Token);
        Assert.Equal(DecisionJson.IntentDigest(json), check.Payload!.IntentDigest);
        Assert.Equal("demo", check.Payload.Tenant);
        Assert.Equal("demo-agent", check.Payload.Agent);
        return check;
    }

    private async Task<string> CaptureTokenAsync()
    {
        var id = "c-" + Guid.NewGuid().ToString("N");
        using var response = await _gw.Agent.PostJsonAsync("/v1/actions/invoke-tool", """{"tool":"crm.read_contact","args":{"id":"ID"}}""".Replace("ID", id, StringComparison.Ordinal));
        await DecisionJson.DecisionAsync(response, "allow");
        return Assert.Single(_gw.Upstream.To("/crm/contacts/" + id)).Headers["X-Gamut-Decision-Token"];
    }

    /// <summary>Rewrites the payload part of a token, keeping its signature.</summary>
    private static string Tamper(string token, Func<string, string> change)
    {
        var parts = token.Split('.');
        var payload = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(parts[1]));
        var changed = change(payload);
        Assert.NotEqual(payload, changed);
        return parts[0] + "." + Base64Url.EncodeToString(Encoding.UTF8.GetBytes(changed)) + "." + parts[2];
    }
}
