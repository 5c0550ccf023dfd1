using System.Net;
using System.Text.RegularExpressions;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.Hosting;

/// <summary>
/// Runs on the real gateway: <c>POST /v1/runs</c> mints a run of the agent, every action carrying it is decided, answered,
/// tokened and recorded in it, its events end it, and a run that is not the agent's (another agent's, or none at all) is
/// refused with one code and recorded.
/// </summary>
public sealed partial class RunTests : IAsyncLifetime
{
    private GovernedGateway _gw = null!;

    public async Task InitializeAsync() => _gw = await GovernedGateway.StartAsync();

    public async Task DisposeAsync() => await _gw.DisposeAsync();

    [Fact]
    public async Task StartRun_Signed_AnswersTheRunAndRecordsItsStart()
    {
        var started = await RunCalls.StartAsync(_gw.Agent, """{"framework":"langgraph","purpose":"triage ticket 7"}""");

        var run = started.GetProperty("run_id").GetString()!;
        Assert.Matches(RunIdPattern(), run);
        Assert.Equal("demo-agent", started.GetProperty("agent").GetString());
        Assert.Equal("active", started.GetProperty("status").GetString());
        Assert.Equal("langgraph", started.GetProperty("framework").GetString());
        Assert.Equal(run["run-".Length..], started.GetProperty("trace_id").GetString());
        var record = Assert.Single(await RunCalls.RecordsAsync(_gw.Admin(), run));
        Assert.Equal("run_started", record.GetProperty("decision").GetString());
        Assert.Equal("created", record.GetProperty("run_event").GetProperty("type").GetString());
        Assert.Equal("triage ticket 7", record.GetProperty("run_event").GetProperty("detail").GetProperty("purpose").GetString());
    }

    [Fact]
    public async Task InvokeTool_InRun_DecisionTokenAndRecordNameTheRun()
    {
        var run = await RunCalls.StartIdAsync(_gw.Agent);

        using var response = await RunCalls.InRunAsync(_gw.Agent, run);

        var answer = await DecisionJson.DecisionAsync(response, "allow");
        Assert.Equal(run, answer.GetProperty("explanation").GetProperty("run_id").GetString());
        var check = Assert.Single(_gw.Upstream.TokenChecks);
        Assert.Equal(run, RunCalls.Claims(check.Token).GetProperty("run").GetString());
        Assert.All(await RunCalls.RecordsOfAsync(_gw.Admin(), response), r => Assert.Equal(run, r.GetProperty("run_id").GetString()));
    }

    [Fact]
    public async Task InvokeTool_WithoutRun_NamesNoRunAnywhere()
    {
        using var response = await _gw.Agent.PostJsonAsync("/v1/actions/invoke-tool", RunCalls.ReadContact);

        var answer = await DecisionJson.DecisionAsync(response, "allow");
        Assert.False(answer.GetProperty("explanation").TryGetProperty("run_id", out _));
        Assert.False(RunCalls.Claims(Assert.Single(_gw.Upstream.TokenChecks).Token).TryGetProperty("run", out _));
        Assert.All(await RunCalls.RecordsOfAsync(_gw.Admin(), response), r => Assert.False(r.TryGetProperty("run_id", out _)));
    }

    [Fact]
    public async Task InvokeTool_RunOfAnotherAgent_IsRefusedAsForeignAndRecorded()
    {
        var theirs = await RunCalls.StartIdAsync(_gw.Rogue);

        using var response = await RunCalls.InRunAsync(_gw.Agent, theirs);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Forbidden, "run_foreign");
        Assert.Empty(_gw.Upstream.Received);
        var record = Assert.Single(await RunCalls.RecordsOfAsync(_gw.Admin(), response));
        Assert.Equal("refused:run_foreign", record.GetProperty("decision").GetString());
        Assert.Equal("demo-agent", record.GetProperty("agent").GetString());

        // The refusal never lands in the other agent's run.
        Assert.Single(await RunCalls.RecordsAsync(_gw.Admin(), theirs));
    }

    [Fact]
    public async Task InvokeTool_UnknownRun_IsRefusedWithTheSameCode()
    {
        using var response = await RunCalls.InRunAsync(_gw.Agent, RunCalls.Unknown());

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Forbidden, "run_foreign");
        using var foreign = await RunCalls.InRunAsync(_gw.Agent, await RunCalls.StartIdAsync(_gw.Rogue));
        Assert.Equal(problem.GetProperty("detail").GetString(), (await ProblemAssert.IsProblemAsync(foreign, HttpStatusCode.Forbidden, "run_foreign")).GetProperty("detail").GetString());
        Assert.Empty(_gw.Upstream.Received);
    }

    [Fact]
    public async Task Events_OfAnotherAgentsRun_AreRefused()
    {
        var theirs = await RunCalls.StartIdAsync(_gw.Rogue);

        using var response = await RunCalls.EventAsync(_gw.Agent, theirs, "step", "peek");

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Forbidden, "run_foreign");
        Assert.Single(await RunCalls.RecordsAsync(_gw.Admin(), theirs));
    }

    [Fact]
    public async Task Events_CompletedEndsTheRun_NextActionIsRefused()
    {
        var run = await RunCalls.StartIdAsync(_gw.Agent);
        using (var step = await RunCalls.EventAsync(_gw.Agent, run, "step", "plan"))
        {
            Assert.Equal("active", (await DecisionJson.ReadAsync(step, HttpStatusCode.OK)).GetProperty("status").GetString());
        }

        using (var completed = await RunCalls.EventAsync(_gw.Agent, run, "completed", inRun: true))
        {
            Assert.Equal("completed", (await DecisionJson.ReadAsync(completed, HttpStatusCode.OK)).GetProperty("status").GetString());
        }

        using var after = await RunCalls.InRunAsync(_gw.Agent, run);
        using var late = await RunCalls.EventAsync(_gw.Agent, run, "step", "late");

        var problem = await ProblemAssert.IsProblemAsync(after, HttpStatusCode.Conflict, "run_ended");
        Assert.Equal("completed", problem.GetProperty("run_status").GetString());
        await ProblemAssert.IsProblemAsync(late, HttpStatusCode.Conflict, "run_ended");
        Assert.Empty(_gw.Upstream.Received);
        var refused = (await RunCalls.RecordsOfAsync(_gw.Admin(), after)).Single();
        Assert.Equal("refused:run_ended", refused.GetProperty("decision").GetString());
        Assert.Equal("agent:demo-agent", refused.GetProperty("run_ended_by").GetString());
    }

    [Theory]
    [InlineData("""{"type":"paused"}""")]
    [InlineData("""{"type":"step","extra":1}""")]
    [InlineData("""{"type":"step","detail":"not an object"}""")]
    [InlineData("""{"name":"no type"}""")]
    [InlineData("""[]""")]
    public async Task Events_MalformedBody_IsRefused(string body)
    {
        var run = await RunCalls.StartIdAsync(_gw.Agent);

        using var response = await _gw.Agent.PostJsonAsync("/v1/runs/" + run + "/events", body);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "malformed_body");
    }

    [Fact]
    public async Task Events_OverTheSizeBound_AreRefused()
    {
        var run = await RunCalls.StartIdAsync(_gw.Agent);

        using var response = await _gw.Agent.PostJsonAsync("/v1/runs/" + run + "/events",
            """{"type":"step","detail":{"notes":""" + "\"" + new string('x', 17 * 1024) + "\"}}");

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, "payload_too_large");
    }

    [Fact]
    public async Task Events_CarryingSecretMaterial_AreRefused()
    {
        var run = await RunCalls.StartIdAsync(_gw.Agent);

        using var response = await _gw.Agent.PostJsonAsync("/v1/runs/" + run + "/events", """{"type":"step","detail":{"api_key":"sk-live-0123456789abcdef0123456789"}}""");

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "secret_material_in_payload");
        Assert.Single(await RunCalls.RecordsAsync(_gw.Admin(), run));
    }

    [Theory]
    [InlineData("""{"framework":"x","color":"red"}""")]
    [InlineData("""{"parent_run":"run-42"}""")]
    [InlineData("""{"purpose":""}""")]
    [InlineData("""{"purpose":"a","purpose":"b"}""")]
    public async Task StartRun_MalformedBody_IsRefused(string body)
    {
        using var response = await _gw.Agent.PostJsonAsync("/v1/runs", body);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "malformed_body");
    }

    [Fact]
    public async Task StartRun_UnderAnotherAgentsRun_IsRefusedAsForeign()
    {
        var theirs = await RunCalls.StartIdAsync(_gw.Rogue);

        using var response = await _gw.Agent.PostJsonAsync("/v1/runs", $$"""{"parent_run":"{{theirs}}"}""");

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Forbidden, "run_foreign");
    }

    [Fact]
    public async Task StartRun_ParentRunDifferentFromRunHeader_IsRecorded()
    {
        var signed = await RunCalls.StartIdAsync(_gw.Agent);
        var named = await RunCalls.StartIdAsync(_gw.Agent);

        using var response = await _gw.Agent.SendAsync(_gw.Agent.CreateInRun(HttpMethod.Post, "/v1/runs", $$"""{"parent_run":"{{named}}"}""", signed));

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "malformed_body");
        var record = Assert.Single(await _gw.AuditRecordsAsync(Assert.Single(response.Headers.GetValues("X-Request-Id"))));
        Assert.Equal("run", record.GetProperty("tool").GetString());
        Assert.Equal("refused:malformed_body", record.GetProperty("decision").GetString());
    }

    [Fact]
    public async Task StartRun_UnderItsOwnRun_NamesTheParent()
    {
        var parent = await RunCalls.StartIdAsync(_gw.Agent);

        var child = await RunCalls.StartAsync(_gw.Agent, $$"""{"parent_run":"{{parent}}"}""");

        Assert.Equal(parent, child.GetProperty("parent_run").GetString());
    }

    [Fact]
    public async Task StartRun_SuspendedAgent_IsRefused()
    {
        using (var suspend = await _gw.Admin().PostAsync("/admin/v1/tenants/demo/agents/demo-agent/suspend", null))
        {
            Assert.Equal(HttpStatusCode.OK, suspend.StatusCode);
        }

        using var response = await _gw.Agent.PostJsonAsync("/v1/runs", "{}");

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Forbidden, "blocked");
    }

    [GeneratedRegex("^run-[0-9a-f]{32}$")]
    private static partial Regex RunIdPattern();

    [Fact]
    public async Task StartAndEvents_PastTheAgentsRateLimit_AreRefused429AndRecorded()
    {
        const string Limit = "{ scope: agent, agent: demo-agent, limit: 120, window: 1m }";
        await using var gw = await GovernedGateway.StartAsync(static text => text.Replace(Limit, "{ scope: agent, agent: demo-agent, limit: 2, window: 1m }", StringComparison.Ordinal));
        var run = await RunCalls.StartIdAsync(gw.Agent);
        using var step = await RunCalls.InRunAsync(gw.Agent, run, $"/v1/runs/{run}/events", """{"type":"step"}""");

        using var start = await gw.Agent.PostJsonAsync("/v1/runs", "{}");
        using var another = await RunCalls.InRunAsync(gw.Agent, run, $"/v1/runs/{run}/events", """{"type":"step"}""");

        Assert.True(step.IsSuccessStatusCode, await step.Content.ReadAsStringAsync());
        await ProblemAssert.IsProblemAsync(start, HttpStatusCode.TooManyRequests, "rate_limited");
        await ProblemAssert.IsProblemAsync(another, HttpStatusCode.TooManyRequests, "rate_limited");
        Assert.Contains(await RunCalls.RecordsAsync(gw.Admin(), run), static r => r.GetProperty("decision").GetString() == "refused:rate_limited");
    }
}
