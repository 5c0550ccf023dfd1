using System.Net;
using System.Text.Json;
using Gateway.Proxy.Tests.Infrastructure;
using Gateway.Store;
using Gateway.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using KestrelUpstream = Gateway.Proxy.Tests.Infrastructure.KestrelUpstream;

namespace Gateway.Proxy.Tests.Admit;

/// <summary>
/// A run's limits on the real gateway (embedded store): each of actions, tokens, cost and duration, once used up, refuses
/// the run's next action with 429 <c>run_limit_exceeded</c> naming the limit (problem member, explanation trigger and
/// remedy), forwards nothing, and records the refusal with its explanation in the run's story; the tokens and cost a call
/// reserved are settled against what the provider reported (a stream cut before its end: at least what it reserved), or
/// given back when it was not forwarded; and the loop
/// detection decides the same intent's Nth time in a run as the bundle chose (require_approval, block, or
/// block_and_open_incident), an evaluation reading the count without adding to it.
/// </summary>
public sealed partial class RunLimitTests
{
    private const string Model = "/v1/actions/model";

    /// <summary>The example's model connector as the bundle declares it, up to its upstream.</summary>
    private const string OpenAIConnector = "    kind: openai\n    action_type: model_inference\n    risk_tier: medium\n    target_system: openai\n    upstream: http://127.0.0.1:9100/v1\n";

    [Fact]
    public async Task InvokeTool_RunActionsUsedUp_RefusedNamingTheLimitAndRecorded()
    {
        await using var gw = await GovernedGateway.StartAsync(RunLimitBundles.With("""{ agent: "*", actions: 2 }"""));
        var run = await RunCalls.StartIdAsync(gw.Agent);
        for (var i = 0; i < 2; i++)
        {
            using var allowed = await RunCalls.InRunAsync(gw.Agent, run, json: Contact(i));
            await DecisionJson.DecisionAsync(allowed, "allow");
        }

        using var third = await RunCalls.InRunAsync(gw.Agent, run, json: Contact(2));

        var problem = await ProblemAssert.IsProblemAsync(third, HttpStatusCode.TooManyRequests, "run_limit_exceeded");
        Assert.Equal(("actions", run), (problem.GetProperty("limit").GetString(), problem.GetProperty("run_id").GetString()));
        Assert.Null(third.Headers.RetryAfter);
        Assert.Contains("has taken 2 of its 2 actions (run_limits.actions of the tenant's default (agent '*'))", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var trigger = AssertLimitExplained(problem, run, "run_limits.actions");
        Assert.Contains("has taken 2 of its 2 actions", trigger.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(2, gw.Upstream.To("/crm/").Count);

        var story = await StoryAsync(gw, run);
        // Each action's decision and outcome, then the refusal with its explanation.
        Assert.Equal(["run_started", "allow", "allow", "allow", "allow", "refused:run_limit_exceeded"], story.Select(r => r.GetProperty("decision").GetString()));
        Assert.Equal("run_limits.actions", story[5].GetProperty("explanation").GetProperty("rule_triggers")[0].GetProperty("rule").GetString());
        Assert.Equal(("crm.read_contact", 429), (story[5].GetProperty("tool").GetString(), story[5].GetProperty("status_code").GetInt32()));

        // The limit is the run's: a new run acts again.
        using var fresh = await RunCalls.InRunAsync(gw.Agent, await RunCalls.StartIdAsync(gw.Agent), json: Contact(3));
        await DecisionJson.DecisionAsync(fresh, "allow");
    }

    [Fact]
    public async Task ModelAction_RunTokensUsedUp_RefusedNamingTheLimit()
    {
        var reserved = RunLimitBundles.Reserved();
        await using var gw = await GovernedGateway.StartAsync(RunLimitBundles.With($$"""{ agent: "*", tokens: {{reserved + 5}} }"""));

        var (run, trigger) = await SecondModelCallRefusedAsync(gw, "tokens");

        // The first call was settled to the 12 tokens the provider reported: that, not its reservation, is what was used.
        Assert.Contains($"reserves up to {reserved} tokens and run {run} has used 12 of its {reserved + 5}", trigger.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Single(gw.Upstream.To("/v1/chat/completions"));
    }

    [Fact]
    public async Task InvokeTool_ModelConnector_IsRefusedSoNoCallEscapesTheRunsTokenLimit()
    {
        await using var gw = await GovernedGateway.StartAsync(RunLimitBundles.With("""{ agent: "*", tokens: 10 }"""));
        var run = await RunCalls.StartIdAsync(gw.Agent);

        using var response = await RunCalls.InRunAsync(gw.Agent, run, "/v1/actions/invoke-tool",
            """{"tool":"openai","args":{"model":"gpt-4o","max_tokens":100000,"n":8,"messages":[{"role":"user","content":"hi"}]}}""");

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "malformed_body");
        Assert.Empty(gw.Upstream.To("/v1/chat/completions"));
    }

    [Fact]
    public async Task ModelAction_TokensSettledAgainstUsage_TheUnusedReservationIsGivenBack()
    {
        // Two whole reservations do not fit; one reservation and what a call really used (12 tokens) do.
        var reserved = RunLimitBundles.Reserved();
        await using var gw = await GovernedGateway.StartAsync(RunLimitBundles.With($$"""{ agent: "*", tokens: {{(2 * reserved) - 1}} }"""));
        var run = await RunCalls.StartIdAsync(gw.Agent);

        for (var i = 0; i < 3; i++)
        {
            using var call = await RunCalls.InRunAsync(gw.Agent, run, Model, RunLimitBundles.ModelCall());
            await DecisionJson.DecisionAsync(call, "allow");
        }

        Assert.Equal(3, gw.Upstream.To("/v1/chat/completions").Count);
    }

    [Fact]
    public async Task ModelAction_BlockedByPolicy_GivesItsReservationBack()
    {
        var reserved = RunLimitBundles.Reserved("gpt-4o");
        Assert.Equal(reserved, RunLimitBundles.Reserved("nope-4"));
        await using var gw = await GovernedGateway.StartAsync(text => RunLimitBundles.With($$"""{ agent: "*", tokens: {{reserved + 5}} }""")(text).Replace(
            "\nrules:\n",
            "\nrules:\n  - { id: no-blocked-model, match: { tools: [openai], args: [{ path: $.model, glob: nope-4 }] }, effect: block, reason: model_not_allowed }\n",
            StringComparison.Ordinal));
        var run = await RunCalls.StartIdAsync(gw.Agent);
        using (var blocked = await RunCalls.InRunAsync(gw.Agent, run, Model, RunLimitBundles.ModelCall("nope-4")))
        {
            await ProblemAssert.IsProblemAsync(blocked, HttpStatusCode.Forbidden, "blocked");
        }

        using var allowed = await RunCalls.InRunAsync(gw.Agent, run, Model, RunLimitBundles.ModelCall());

        await DecisionJson.DecisionAsync(allowed, "allow");
        Assert.Single(gw.Upstream.To("/v1/chat/completions"));
    }

    [Fact]
    public async Task ModelAction_RunCostUsedUp_RefusedNamingTheLimit()
    {
        // One call's reservation fits; the 83 micro-units it really cost (5 + 7 tokens) and a second reservation do not.
        var reserved = RunLimitBundles.ReservedCostMicros();
        await using var gw = await GovernedGateway.StartAsync(RunLimitBundles.With($$"""{ agent: "*", cost: {{RunLimitBundles.Amount(reserved + 40)}} }"""));

        var (run, trigger) = await SecondModelCallRefusedAsync(gw, "cost");
        Assert.Contains($"may cost up to {RunLimitBundles.Amount(reserved)} USD and run {run} has spent 0.000083 USD of its {RunLimitBundles.Amount(reserved + 40)} USD",
            trigger.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Single(gw.Upstream.To("/v1/chat/completions"));
    }

    [Fact]
    public async Task ProviderRoute_RunCostUsedUp_RefusedAsAnOpenAIError()
    {
        await using var gw = await GovernedGateway.StartAsync(RunLimitBundles.With("""{ agent: "*", cost: 0.000001 }"""));
        var run = await RunCalls.StartIdAsync(gw.Agent);

        using var response = await gw.Agent.SendAsync(gw.Agent.CreateInRun(HttpMethod.Post, "/providers/openai/chat/completions",
            """{"model":"gpt-4o","max_tokens":20,"messages":[{"role":"user","content":"Say hello."}]}""", run));

        var error = await ProblemAssert.IsOpenAIErrorAsync(response, HttpStatusCode.TooManyRequests, "run_limit_exceeded");
        Assert.Equal("rate_limit_error", error.GetProperty("type").GetString());
        Assert.Equal("run_limits.cost", error.GetProperty("explanation").GetProperty("rule_triggers")[0].GetProperty("rule").GetString());
        Assert.Empty(gw.Upstream.To("/v1/chat/completions"));
    }

    [Fact]
    public async Task StreamedCall_CutAfterUsageReported_ChargesTheRunTheReportedUsage()
    {
        // An Anthropic provider that reports the call's input (a document it fetched) at the stream's start, then text, then
        // nothing until the agent goes away: the run is charged what was reported, not the small body's reservation.
        await using var provider = await KestrelUpstream.StartAsync(app => app.MapPost("/v1/messages", CutAnthropicStreamAsync));
        await using var gw = await GovernedGateway.StartAsync(text =>
        {
            Assert.Contains(OpenAIConnector, text, StringComparison.Ordinal);
            return RunLimitBundles.With("""{ agent: "*", tokens: 10000 }""")(text).Replace(OpenAIConnector,
                $"    kind: anthropic\n    action_type: model_inference\n    risk_tier: medium\n    target_system: openai\n    upstream: {provider.Origin}/v1\n", StringComparison.Ordinal);
        });
        var run = await RunCalls.StartIdAsync(gw.Agent);
        using (var cut = await gw.Agent.SendAsync(gw.Agent.CreateInRun(HttpMethod.Post, "/providers/openai/messages", AnthropicCall(stream: true), run), HttpCompletionOption.ResponseHeadersRead))
        {
            Assert.Equal(HttpStatusCode.OK, cut.StatusCode);
            using var reader = new StreamReader(await cut.Content.ReadAsStreamAsync());
            while (await reader.ReadLineAsync() is { } line && !line.Contains("Hello", StringComparison.Ordinal))
            {
            }
        }

        var store = gw.Host.Services.GetRequiredService<IStateStore>();
        var key = StoreKeys.RunUsage(DemoBundle.Tenant, DemoBundle.Agent, run, "tokens");
        await Eventually.ReturnsAsync(async () => long.TryParse(await store.GetAsync(key), out var used) ? used : 0, used => used >= 20_000,
            TimeSpan.FromSeconds(10), used => $"the run's tokens counter stayed at {used}, not the 20000 input tokens reported");

        using var next = await gw.Agent.SendAsync(gw.Agent.CreateInRun(HttpMethod.Post, "/providers/openai/messages", AnthropicCall(stream: false), run));
        // An anthropic connector's refusal is Anthropic's error object, its members in error.
        var problem = await Refusals.AnthropicRefusalTests.IsAnthropicErrorAsync(next, HttpStatusCode.TooManyRequests, "run_limit_exceeded", "rate_limit_error");
        Assert.Equal(("tokens", run), (problem.GetProperty("limit").GetString(), problem.GetProperty("run_id").GetString()));
        Assert.Single(provider.Received);
    }

    [Fact]
    public async Task Action_RunOlderThanItsDuration_RefusedNamingTheLimit()
    {
        var clock = new MovableClock();
        await using var gw = await GovernedGateway.StartAsync(RunLimitBundles.With("""{ agent: "*", duration: 1h }"""), builder => builder.Services.AddSingleton<TimeProvider>(clock));
        var agent = new AgentClient(gw.Host.Client, gw.Bundle.AgentSecret, time: clock);
        var run = await RunCalls.StartIdAsync(agent);
        using (var young = await RunCalls.InRunAsync(agent, run))
        {
            await DecisionJson.DecisionAsync(young, "allow");
        }

        clock.Offset = TimeSpan.FromMinutes(61);
        using var old = await RunCalls.InRunAsync(agent, run, json: Contact(1));
        using var evaluated = await RunCalls.InRunAsync(agent, run, "/v1/evaluate", Contact(1));

        var problem = await ProblemAssert.IsProblemAsync(old, HttpStatusCode.TooManyRequests, "run_limit_exceeded");
        Assert.Equal("duration", problem.GetProperty("limit").GetString());
        var trigger = AssertLimitExplained(problem, run, "run_limits.duration");
        Assert.Matches(@"^run run-[0-9a-f]{32} started 1h1m(\d+s)? ago and may act for 1h \(run_limits.duration", trigger.GetProperty("message").GetString());
        Assert.Single(gw.Upstream.To("/crm/"));

        // An evaluation executes nothing: it is decided as before.
        await DecisionJson.DecisionAsync(evaluated, "allow");
    }

    [Fact]
    public async Task InvokeTool_SameIntentRepeated_LoopRequiresApprovalNamingTheLoop()
    {
        await using var gw = await GovernedGateway.StartAsync(RunLimitBundles.With("""{ agent: "*", loop: { repeats: 3, decision: require_approval } }"""));
        var run = await RunCalls.StartIdAsync(gw.Agent);
        await RepeatAsync(gw, run, 2);

        using var third = await RunCalls.InRunAsync(gw.Agent, run);
        using var other = await RunCalls.InRunAsync(gw.Agent, run, json: Contact(9));

        var problem = await ProblemAssert.IsProblemAsync(third, HttpStatusCode.Conflict, "approval_required");
        Assert.Equal("require_approval", problem.GetProperty("decision").GetString());
        var trigger = AssertLoopExplained(problem, run, "require_approval", 3);
        Assert.Equal("require_approval", trigger.GetProperty("effect").GetString());
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("approval").GetProperty("id").GetString()));
        await DecisionJson.DecisionAsync(other, "allow");
        Assert.Equal(3, gw.Upstream.To("/crm/").Count);
    }

    [Fact]
    public async Task InvokeTool_SameIntentRepeated_LoopBlocksWithItsOwnCode()
    {
        await using var gw = await GovernedGateway.StartAsync(RunLimitBundles.With("""{ agent: "*", loop: { repeats: 2, decision: block } }"""));
        var run = await RunCalls.StartIdAsync(gw.Agent);
        await RepeatAsync(gw, run, 1);

        using var second = await RunCalls.InRunAsync(gw.Agent, run);
        using var third = await RunCalls.InRunAsync(gw.Agent, run);

        var problem = await ProblemAssert.IsProblemAsync(second, HttpStatusCode.Forbidden, "run_loop_detected");
        Assert.Equal("block", problem.GetProperty("decision").GetString());
        AssertLoopExplained(problem, run, "block", 2);
        AssertLoopExplained(await ProblemAssert.IsProblemAsync(third, HttpStatusCode.Forbidden, "run_loop_detected"), run, "block", 3);
        Assert.Single(gw.Upstream.To("/crm/"));
        Assert.Equal(["run_started", "allow", "allow", "block", "block"], (await StoryAsync(gw, run)).Select(r => r.GetProperty("decision").GetString()));
    }

    [Fact]
    public async Task InvokeTool_SameIntentRepeated_LoopBlocksAndOpensAnIncident()
    {
        await using var gw = await GovernedGateway.StartAsync(RunLimitBundles.With("""{ agent: "*", loop: { repeats: 2, decision: block_and_open_incident } }"""));
        var run = await RunCalls.StartIdAsync(gw.Agent);
        await RepeatAsync(gw, run, 1);

        using var second = await RunCalls.InRunAsync(gw.Agent, run);

        var problem = await ProblemAssert.IsProblemAsync(second, HttpStatusCode.Forbidden, "blocked_incident_opened");
        AssertLoopExplained(problem, run, "block_and_open_incident", 2);
        var incidentId = problem.GetProperty("incident_id").GetString();
        using var list = await gw.Admin().GetAsync("/admin/v1/tenants/demo/incidents");
        var incident = Assert.Single((await DecisionJson.ReadAsync(list, HttpStatusCode.OK)).GetProperty("incidents").EnumerateArray(), i => i.GetProperty("id").GetString() == incidentId);
        Assert.Equal(("demo-agent", DecisionJson.IntentDigest(problem)), (incident.GetProperty("agent").GetString(), incident.GetProperty("intent_digest").GetString()));
        Assert.Single(gw.Upstream.To("/crm/"));
    }

    [Fact]
    public async Task Evaluate_SameIntent_ReadsTheLoopCountWithoutAddingToIt()
    {
        await using var gw = await GovernedGateway.StartAsync(RunLimitBundles.With("""{ agent: "*", loop: { repeats: 3, decision: block } }"""));
        var run = await RunCalls.StartIdAsync(gw.Agent);
        await RepeatAsync(gw, run, 1);

        // Evaluated twice: each time as the second occurrence would be (allowed); neither counts.
        for (var i = 0; i < 2; i++)
        {
            using var evaluated = await RunCalls.InRunAsync(gw.Agent, run, "/v1/evaluate", RunCalls.ReadContact);
            await DecisionJson.DecisionAsync(evaluated, "allow");
        }

        await RepeatAsync(gw, run, 1);
        using var third = await RunCalls.InRunAsync(gw.Agent, run, "/v1/evaluate", RunCalls.ReadContact);

        var answer = await DecisionJson.DecisionAsync(third, "block");
        AssertLoopExplained(answer, run, "block", 3);
        Assert.Equal(2, gw.Upstream.To("/crm/").Count);
    }

    [Fact]
    public async Task InvokeTool_WithoutRun_NoRunLimitApplies()
    {
        await using var gw = await GovernedGateway.StartAsync(RunLimitBundles.With("""{ agent: "*", actions: 1, loop: { repeats: 2, decision: block } }"""));

        for (var i = 0; i < 3; i++)
        {
            using var response = await gw.Agent.PostJsonAsync("/v1/actions/invoke-tool", RunCalls.ReadContact);
            await DecisionJson.DecisionAsync(response, "allow");
        }
    }

    // A run's first model call is carried out and its second refused for limit: the run and the refusal's trigger.
    private static async Task<(string Run, JsonElement Trigger)> SecondModelCallRefusedAsync(GovernedGateway gw, string limit)
    {
        var run = await RunCalls.StartIdAsync(gw.Agent);
        using (var first = await RunCalls.InRunAsync(gw.Agent, run, Model, RunLimitBundles.ModelCall()))
        {
            Assert.True((await DecisionJson.DecisionAsync(first, "allow")).GetProperty("invoked").GetBoolean());
        }

        using var second = await RunCalls.InRunAsync(gw.Agent, run, Model, RunLimitBundles.ModelCall());

        var problem = await ProblemAssert.IsProblemAsync(second, HttpStatusCode.TooManyRequests, "run_limit_exceeded");
        Assert.Equal(limit, problem.GetProperty("limit").GetString());
        return (run, AssertLimitExplained(problem, run, "run_limits." + limit));
    }

    private static string AnthropicCall(bool stream) =>
        $$"""{"model":"claude-sonnet-4-5","max_tokens":20,"stream":{{(stream ? "true" : "false")}},"messages":[{"role":"user","content":"Summarise the fetched document."}]}""";

    // message_start reporting 20000 input tokens, two pieces of text, then held open until the caller goes away.
    private static async Task CutAnthropicStreamAsync(HttpContext context)
    {
        context.Response.ContentType = "text/event-stream";
        await context.Response.WriteAsync(
            "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_cut\",\"type\":\"message\",\"role\":\"assistant\",\"usage\":{\"input_tokens\":20000,\"output_tokens\":1}}}\n\n"
            + "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hello\"}}\n\n"
            + "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\", and more\"}}\n\n");
        await context.Response.Body.FlushAsync();

        // Until the agent goes away: the stream never reaches message_stop.
        var gone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var registration = context.RequestAborted.Register(static state => ((TaskCompletionSource)state!).TrySetResult(), gone);
        await gone.Task;
    }

    private static string Contact(int i) => """{"tool":"crm.read_contact","args":{"id":"c-""" + i + "\"}}";

    private static async Task RepeatAsync(GovernedGateway gw, string run, int times)
    {
        for (var i = 0; i < times; i++)
        {
            using var response = await RunCalls.InRunAsync(gw.Agent, run);
            await DecisionJson.DecisionAsync(response, "allow");
        }
    }

    // The refusal's explanation: no control ran; one trigger naming the limit; the remedy a new run or a higher limit.
    private static JsonElement AssertLimitExplained(JsonElement refusal, string run, string rule)
    {
        var explanation = refusal.GetProperty("explanation");
        Assert.Equal(run, explanation.GetProperty("run_id").GetString());
        Assert.Equal(0, explanation.GetProperty("decision_path").GetArrayLength());
        Assert.Matches("^[0-9a-f]{64}$", explanation.GetProperty("intent_digest").GetString());
        var trigger = Assert.Single(explanation.GetProperty("rule_triggers").EnumerateArray());
        Assert.Equal((rule, "run_limit_exceeded", "block"), (trigger.GetProperty("rule").GetString(), trigger.GetProperty("reason_code").GetString(), trigger.GetProperty("effect").GetString()));
        var remedy = Assert.Single(DecisionJson.WhatWouldChange(refusal));
        Assert.StartsWith("start a new run, or raise " + rule, remedy, StringComparison.Ordinal);
        return trigger;
    }

    // The decision's explanation: the loop's trigger (its effect the bundle's choice) and its remedy.
    private static JsonElement AssertLoopExplained(JsonElement answer, string run, string decision, int times)
    {
        var explanation = answer.GetProperty("explanation");
        Assert.Equal(run, explanation.GetProperty("run_id").GetString());
        var trigger = Assert.Single(explanation.GetProperty("rule_triggers").EnumerateArray(), t => t.GetProperty("reason_code").GetString() == "run_loop_detected");
        Assert.Equal(("run_limits.loop", decision), (trigger.GetProperty("rule").GetString(), trigger.GetProperty("effect").GetString()));
        Assert.Contains($"occurred {times} times in run {run}", trigger.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Contains(DecisionJson.WhatWouldChange(answer), r => r.StartsWith($"do not repeat this exact action in run {run}", StringComparison.Ordinal));
        return trigger;
    }

    private static async Task<List<JsonElement>> StoryAsync(GovernedGateway gw, string run)
    {
        using var page = JsonDocument.Parse(await gw.Admin().GetStringAsync($"/admin/v1/tenants/demo/runs/{run}"));
        return [.. page.RootElement.GetProperty("records").EnumerateArray().Select(r => r.Clone())];
    }
}
