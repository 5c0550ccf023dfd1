using System.Net;
using Gateway.Proxy.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Proxy.Tests.Admit;

/// <summary>
/// A sub-run under a parent whose limits are used up, or that is past its duration, is refused (429
/// <c>run_limit_exceeded</c> naming the parent's limit, recorded in the parent's story, no run started): fresh counters are
/// not a way round the parent's limits. A parent within its limits starts one as before.
/// </summary>
public sealed class SubRunLimitTests
{
    [Fact]
    public async Task StartRun_SubRunOfARunPastItsLimit_IsRefused()
    {
        await using var gw = await GovernedGateway.StartAsync(RunLimitBundles.With("""{ agent: "*", actions: 2 }"""));
        var parent = await RunCalls.StartIdAsync(gw.Agent);
        for (var i = 0; i < 2; i++)
        {
            using var allowed = await RunCalls.InRunAsync(gw.Agent, parent);
            await DecisionJson.DecisionAsync(allowed, "allow");
        }

        using (var exhausted = await RunCalls.InRunAsync(gw.Agent, parent))
        {
            await ProblemAssert.IsProblemAsync(exhausted, HttpStatusCode.TooManyRequests, "run_limit_exceeded");
        }

        using var response = await gw.Agent.PostJsonAsync("/v1/runs", $$"""{"parent_run":"{{parent}}"}""");

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.TooManyRequests, "run_limit_exceeded");
        Assert.Equal(("actions", parent), (problem.GetProperty("limit").GetString(), problem.GetProperty("run_id").GetString()));
        Assert.Equal("run_limits.actions", problem.GetProperty("explanation").GetProperty("rule_triggers")[0].GetProperty("rule").GetString());
        await AssertRecordedAndNoRunStartedAsync(gw, response, parent);
    }

    [Fact]
    public async Task StartRun_SubRunOfARunPastItsDuration_IsRefused()
    {
        var clock = new MovableClock();
        await using var gw = await GovernedGateway.StartAsync(RunLimitBundles.With("""{ agent: "*", duration: 1h }"""), builder => builder.Services.AddSingleton<TimeProvider>(clock));
        var agent = new AgentClient(gw.Host.Client, gw.Bundle.AgentSecret, time: clock);
        var parent = await RunCalls.StartIdAsync(agent);

        clock.Offset = TimeSpan.FromMinutes(61);
        using var response = await agent.PostJsonAsync("/v1/runs", $$"""{"parent_run":"{{parent}}"}""");

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.TooManyRequests, "run_limit_exceeded");
        Assert.Equal(("duration", parent), (problem.GetProperty("limit").GetString(), problem.GetProperty("run_id").GetString()));
        await AssertRecordedAndNoRunStartedAsync(gw, response, parent);
    }

    [Fact]
    public async Task StartRun_SubRunOfARunWithinItsLimits_Starts()
    {
        await using var gw = await GovernedGateway.StartAsync(RunLimitBundles.With("""{ agent: "*", actions: 2, duration: 1h }"""));
        var parent = await RunCalls.StartIdAsync(gw.Agent);
        using (var allowed = await RunCalls.InRunAsync(gw.Agent, parent))
        {
            await DecisionJson.DecisionAsync(allowed, "allow");
        }

        var child = await RunCalls.StartAsync(gw.Agent, $$"""{"parent_run":"{{parent}}"}""");

        Assert.Equal(parent, child.GetProperty("parent_run").GetString());
    }

    // The refusal is recorded under the tool run, in the parent's story, and no run was started by the request.
    private static async Task AssertRecordedAndNoRunStartedAsync(GovernedGateway gw, HttpResponseMessage response, string parent)
    {
        var records = await RunCalls.RecordsOfAsync(gw.Admin(), response);
        var refused = Assert.Single(records);
        Assert.Equal(("refused:run_limit_exceeded", "run", parent), (refused.GetProperty("decision").GetString(), refused.GetProperty("tool").GetString(), refused.GetProperty("run_id").GetString()));
        Assert.DoesNotContain(records, r => r.GetProperty("decision").GetString() == "run_started");
    }
}
