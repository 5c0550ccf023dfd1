using System.Net;
using Gateway.Proxy.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Proxy.Tests.Admit;

/// <summary>
/// A sub-run under a parent whose limits are used up (a counter at its limit, or a tokens or cost limit that refused one of
/// its calls though settles took the counter back below it), or that is past its duration, is refused (429
/// <c>run_limit_exceeded</c> naming the parent's limit, recorded in the parent's story, no run started): fresh counters are
/// not a way round the parent's limits. A parent within its limits starts one as before. A sub-run's repeats of one action
/// count with its parent's in the loop detection (the window is the run tree's, counted under its root).
/// </summary>
public sealed class SubRunLimitTests
{
    private const string Model = "/v1/actions/model";

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

    [Theory]
    [InlineData("tokens")]
    [InlineData("cost")]
    public async Task StartRun_SubRunOfARunRefusedForItsTokensOrCost_IsRefused(string limit)
    {
        // The refused call reserved nothing, and the parent's counter (what the first call used: 12 tokens, 83 micro-units)
        // stays below its limit: the refusal, not the counter, marks the parent's limit used up.
        var entry = limit == "tokens" ? $"tokens: {RunLimitBundles.Reserved() + 5}" : $"cost: {RunLimitBundles.Amount(RunLimitBundles.ReservedCostMicros() + 40)}";
        await using var gw = await GovernedGateway.StartAsync(RunLimitBundles.With($$"""{ agent: "*", {{entry}} }"""));
        var parent = await RunCalls.StartIdAsync(gw.Agent);
        using (var first = await RunCalls.InRunAsync(gw.Agent, parent, Model, RunLimitBundles.ModelCall()))
        {
            await DecisionJson.DecisionAsync(first, "allow");
        }

        using (var refused = await RunCalls.InRunAsync(gw.Agent, parent, Model, RunLimitBundles.ModelCall()))
        {
            var refusal = await ProblemAssert.IsProblemAsync(refused, HttpStatusCode.TooManyRequests, "run_limit_exceeded");
            Assert.Equal(limit, refusal.GetProperty("limit").GetString());
        }

        using var response = await gw.Agent.PostJsonAsync("/v1/runs", $$"""{"parent_run":"{{parent}}"}""");

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.TooManyRequests, "run_limit_exceeded");
        Assert.Equal((limit, parent), (problem.GetProperty("limit").GetString(), problem.GetProperty("run_id").GetString()));
        var trigger = problem.GetProperty("explanation").GetProperty("rule_triggers")[0];
        Assert.Equal("run_limits." + limit, trigger.GetProperty("rule").GetString());
        Assert.Contains($"run {parent} was refused a request under its {limit} limit", trigger.GetProperty("message").GetString(), StringComparison.Ordinal);
        await AssertRecordedAndNoRunStartedAsync(gw, response, parent);
    }

    [Fact]
    public async Task StartRun_SubRunOfARunRefusedOnlyACallLargerThanItsWholeLimit_Starts()
    {
        // No run could hold that call: the parent's tokens are not used up, and it still spends them.
        var reserved = RunLimitBundles.Reserved();
        await using var gw = await GovernedGateway.StartAsync(RunLimitBundles.With($$"""{ agent: "*", tokens: {{reserved + 5}} }"""));
        var parent = await RunCalls.StartIdAsync(gw.Agent);
        using (var huge = await RunCalls.InRunAsync(gw.Agent, parent, Model, RunLimitBundles.ModelCall().Replace("\"max_tokens\":50", "\"max_tokens\":5000", StringComparison.Ordinal)))
        {
            await ProblemAssert.IsProblemAsync(huge, HttpStatusCode.TooManyRequests, "run_limit_exceeded");
        }

        using (var fits = await RunCalls.InRunAsync(gw.Agent, parent, Model, RunLimitBundles.ModelCall()))
        {
            await DecisionJson.DecisionAsync(fits, "allow");
        }

        var child = await RunCalls.StartAsync(gw.Agent, $$"""{"parent_run":"{{parent}}"}""");

        Assert.Equal(parent, child.GetProperty("parent_run").GetString());
    }

    [Fact]
    public async Task InvokeTool_SameIntentInASubRun_CountsWithItsParentsLoop()
    {
        // Twice in the parent, the third time in a sub-run of it (and again in a sub-run of that): the same loop.
        await using var gw = await GovernedGateway.StartAsync(RunLimitBundles.With("""{ agent: "*", loop: { repeats: 3, decision: block } }"""));
        var parent = await RunCalls.StartIdAsync(gw.Agent);
        for (var i = 0; i < 2; i++)
        {
            using var allowed = await RunCalls.InRunAsync(gw.Agent, parent);
            await DecisionJson.DecisionAsync(allowed, "allow");
        }

        var child = (await RunCalls.StartAsync(gw.Agent, $$"""{"parent_run":"{{parent}}"}""")).GetProperty("run_id").GetString()!;
        var grandchild = (await RunCalls.StartAsync(gw.Agent, $$"""{"parent_run":"{{child}}"}""")).GetProperty("run_id").GetString()!;
        using var third = await RunCalls.InRunAsync(gw.Agent, child);
        using var fourth = await RunCalls.InRunAsync(gw.Agent, grandchild);

        var problem = await ProblemAssert.IsProblemAsync(third, HttpStatusCode.Forbidden, "run_loop_detected");
        var trigger = Assert.Single(problem.GetProperty("explanation").GetProperty("rule_triggers").EnumerateArray(), t => t.GetProperty("reason_code").GetString() == "run_loop_detected");
        Assert.Contains($"occurred 3 times in run {child}", trigger.GetProperty("message").GetString(), StringComparison.Ordinal);
        await ProblemAssert.IsProblemAsync(fourth, HttpStatusCode.Forbidden, "run_loop_detected");
        Assert.Equal(2, gw.Upstream.To("/crm/").Count);

        // Another action in the sub-run is its own intent: allowed.
        using var other = await RunCalls.InRunAsync(gw.Agent, child, json: """{"tool":"crm.read_contact","args":{"id":"c-2"}}""");
        await DecisionJson.DecisionAsync(other, "allow");
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
