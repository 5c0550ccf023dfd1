using System.Net;
using System.Text.Json;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.Hosting;

/// <summary>
/// A run's story through the admin API: the tenant's runs listed by agent and status, newest first; one run with every
/// record of it in order (its start, each event, each action's decision and outcome, a refusal, its end); and the cancel's
/// refusals (an unknown run, one that already ended, a token without the admin role).
/// </summary>
public sealed class RunStoryTests : IAsyncLifetime
{
    private const string Shell = """{"tool":"shell.exec","args":{"cmd":"ls"}}""";
    private GovernedGateway _gw = null!;

    public async Task InitializeAsync() => _gw = await GovernedGateway.StartAsync();

    public async Task DisposeAsync() => await _gw.DisposeAsync();

    [Fact]
    public async Task GetRun_ActionsAndEvents_AreInTheTimelineInOrder()
    {
        var agent = _gw.Agent;
        var run = await RunCalls.StartIdAsync(agent);
        (await RunCalls.EventAsync(agent, run, "started", "triage")).Dispose();
        (await RunCalls.InRunAsync(agent, run)).Dispose();
        (await RunCalls.EventAsync(agent, run, "step", "look up the customer")).Dispose();
        (await RunCalls.InRunAsync(agent, run, "/v1/evaluate", Shell)).Dispose();
        (await RunCalls.EventAsync(agent, run, "completed", inRun: true)).Dispose();

        var story = await StoryAsync(run);

        Assert.Equal("completed", story.GetProperty("run").GetProperty("status").GetString());
        Assert.Equal(
            ["run_started/created", "run_event/started", "allow/", "allow/", "run_event/step", "block/", "run_event/completed"],
            story.GetProperty("records").EnumerateArray().Select(r => r.GetProperty("decision").GetString() + "/"
                + (r.TryGetProperty("run_event", out var e) ? e.GetProperty("type").GetString() : string.Empty)));
        var records = story.GetProperty("records").EnumerateArray().ToList();
        Assert.Equal("look up the customer", records[4].GetProperty("run_event").GetProperty("name").GetString());
        Assert.Equal("crm.read_contact", records[2].GetProperty("tool").GetString());
        Assert.Equal(run, records[5].GetProperty("explanation").GetProperty("run_id").GetString());
        Assert.Equal("agent:demo-agent", records[6].GetProperty("run_event").GetProperty("by").GetString());
    }

    [Fact]
    public async Task GetRun_Paged_CursorWalksTheWholeStory()
    {
        var run = await RunCalls.StartIdAsync(_gw.Agent);
        for (var i = 0; i < 4; i++)
        {
            (await RunCalls.EventAsync(_gw.Agent, run, "step", "s" + i)).Dispose();
        }

        var first = await StoryAsync(run, "?limit=3");
        var second = await StoryAsync(run, "?limit=3&cursor=" + first.GetProperty("next_cursor").GetString());

        Assert.Equal(3, first.GetProperty("records").GetArrayLength());
        Assert.Equal(2, second.GetProperty("records").GetArrayLength());
        Assert.False(second.TryGetProperty("next_cursor", out _));
    }

    [Fact]
    public async Task ListRuns_ByAgentAndStatus_NewestFirst()
    {
        var first = await RunCalls.StartIdAsync(_gw.Agent);
        var second = await RunCalls.StartIdAsync(_gw.Agent);
        var theirs = await RunCalls.StartIdAsync(_gw.Rogue);
        (await RunCalls.EventAsync(_gw.Agent, first, "failed")).Dispose();

        Assert.Equal([theirs, second, first], await ListAsync(string.Empty));
        Assert.Equal([theirs], await ListAsync("?agent=rogue-agent"));
        Assert.Equal([first], await ListAsync("?status=failed"));
        Assert.Equal([second], await ListAsync("?agent=demo-agent&status=active"));
        Assert.Empty(await ListAsync("?from=" + Uri.EscapeDataString(DateTimeOffset.UtcNow.AddMinutes(1).ToString("O"))));
        using var bad = await _gw.Admin().GetAsync("/admin/v1/tenants/demo/runs?status=paused");
        await ProblemAssert.IsProblemAsync(bad, HttpStatusCode.BadRequest, "invalid_query");
    }

    [Fact]
    public async Task Cancel_UnknownOrEndedRun_IsRefused()
    {
        var completed = await RunCalls.StartIdAsync(_gw.Agent);
        (await RunCalls.EventAsync(_gw.Agent, completed, "completed")).Dispose();

        using var unknown = await _gw.Admin().PostAsync($"/admin/v1/tenants/demo/runs/{RunCalls.Unknown()}/cancel", null);
        using var ended = await _gw.Admin().PostAsync($"/admin/v1/tenants/demo/runs/{completed}/cancel", null);

        await ProblemAssert.IsProblemAsync(unknown, HttpStatusCode.NotFound, "run_not_found");
        await ProblemAssert.IsProblemAsync(ended, HttpStatusCode.Conflict, "run_ended");
    }

    [Fact]
    public async Task Cancel_AuditorToken_IsRefusedAndTheRunGoesOn()
    {
        var run = await RunCalls.StartIdAsync(_gw.Agent);
        var auditor = _gw.Admin(await _gw.IssueTokenAsync("run-auditor", "auditor"));

        using var refused = await auditor.PostAsync($"/admin/v1/tenants/demo/runs/{run}/cancel", null);
        using var story = await auditor.GetAsync($"/admin/v1/tenants/demo/runs/{run}");

        await ProblemAssert.IsProblemAsync(refused, HttpStatusCode.Forbidden, "admin_role_required");
        Assert.Equal(HttpStatusCode.OK, story.StatusCode);
        using var action = await RunCalls.InRunAsync(_gw.Agent, run);
        await DecisionJson.DecisionAsync(action, "allow");
    }

    [Fact]
    public async Task Cancel_Twice_SecondAnswersTheSameCancel()
    {
        var run = await RunCalls.StartIdAsync(_gw.Agent);

        using var first = await _gw.Admin().PostAsync($"/admin/v1/tenants/demo/runs/{run}/cancel", null);
        using var second = await _gw.Admin().PostAsync($"/admin/v1/tenants/demo/runs/{run}/cancel", RunCalls.Json("""{"reason":"again"}"""));

        var cancelled = await DecisionJson.ReadAsync(second, HttpStatusCode.OK);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.False(cancelled.TryGetProperty("end_reason", out _));
        Assert.Single((await StoryAsync(run)).GetProperty("records").EnumerateArray(), r => r.GetProperty("decision").GetString() == "admin_action");
    }

    private async Task<JsonElement> StoryAsync(string run, string query = "")
    {
        using var response = await _gw.Admin().GetAsync($"/admin/v1/tenants/demo/runs/{run}{query}");
        return await DecisionJson.ReadAsync(response, HttpStatusCode.OK);
    }

    private async Task<List<string>> ListAsync(string query)
    {
        using var response = await _gw.Admin().GetAsync("/admin/v1/tenants/demo/runs" + query);
        var page = await DecisionJson.ReadAsync(response, HttpStatusCode.OK);
        return [.. page.GetProperty("runs").EnumerateArray().Select(r => r.GetProperty("run_id").GetString()!)];
    }
}
