using System.Net;
using System.Text.Json;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.Replicas;

/// <summary>
/// A run's limits hold under concurrency across replicas: 100 requests of one run, released together on two gateways
/// sharing one redis-server, never pass the run's actions limit, and never spend more tokens or cost than the limit plus
/// what one request may spend (each reserves its most before it goes out, in the admission's one store call, and is
/// settled against what the provider reports after); and the run's loop detection counts one intent across replicas.
/// </summary>
[Collection(ReplicaCollection.Name)]
public sealed class RunLimitConcurrencyTests : IAsyncLifetime
{
    private const int Requests = 100;
    private const int ActionsLimit = 30;
    private const int TokensLimit = 2000;
    private const int PromptTokens = 40;
    private const int CompletionTokens = 30;

    private KestrelUpstream _crm = null!;
    private OpenAIUpstream _openai = null!;

    public async Task InitializeAsync()
    {
        _crm = await ReplicaUpstreams.StartCrmAsync();
        _openai = await OpenAIUpstream.StartAsync(PromptTokens, CompletionTokens);
    }

    public async Task DisposeAsync()
    {
        await (_crm?.DisposeAsync() ?? ValueTask.CompletedTask);
        await (_openai?.DisposeAsync() ?? ValueTask.CompletedTask);
    }

    [Fact]
    public async Task InvokeTool_HundredConcurrentActionsOfOneRunOnTwoReplicas_AdmitExactlyTheActionsLimit()
    {
        await using var cluster = await StartAsync($$"""{ agent: "*", actions: {{ActionsLimit}} }""");
        var run = await RunCalls.StartIdAsync(cluster.Agent(0));

        var responses = await SendTogetherAsync(cluster, run, "/v1/actions/invoke-tool", i => ReplicaUpstreams.ReadContact("c-" + i));
        var (admitted, refused) = await CountAsync(responses, "actions");

        Assert.Equal(ActionsLimit, admitted);
        Assert.Equal(Requests - ActionsLimit, refused);
        Assert.Equal(ActionsLimit, ReplicaUpstreams.ContactIds(_crm).Count);
    }

    [Fact]
    public async Task ModelAction_HundredConcurrentCallsOfOneRunOnTwoReplicas_NeverPassTheTokenLimitByMoreThanOneCall()
    {
        await using var cluster = await StartAsync($$"""{ agent: "*", tokens: {{TokensLimit}} }""");
        var run = await RunCalls.StartIdAsync(cluster.Agent(1));

        // Two waves: the first races for the run's fresh limit, the second for what settling gave back.
        var admitted = 0;
        for (var wave = 0; wave < 2; wave++)
        {
            var responses = await SendTogetherAsync(cluster, run, "/v1/actions/model", i => ModelCall(wave, i));
            admitted += (await CountAsync(responses, "tokens")).Admitted;

            var spent = _openai.ReportedTotals.Sum();
            Assert.True(spent <= TokensLimit + OneCallsMost, $"after wave {wave + 1} the provider reported {spent} tokens for the run; its limit is {TokensLimit}, one call may spend {OneCallsMost}");
        }

        // Only the admitted calls reached the provider; the limit was used, not hoarded: each reserved about 175 tokens and
        // was settled to the 70 it used, so more calls fit than whole reservations would.
        Assert.Equal(admitted, _openai.ReportedTotals.Count);
        Assert.True(admitted > TokensLimit / OneCallsMost, $"only {admitted} calls were admitted");
        Assert.True(_openai.ReportedTotals.Sum() > TokensLimit / 2, $"the calls used {_openai.ReportedTotals.Sum()} of {TokensLimit} tokens");
    }

    [Fact]
    public async Task ModelAction_HundredConcurrentCallsOfOneRunOnTwoReplicas_NeverPassTheCostLimitByMoreThanOneCall()
    {
        // Each call reserves about 0.0008 (its body's bytes at 0.0025 and 50 output tokens at 0.01 per 1K) and costs 0.0004 (40 + 30 tokens).
        var oneCallsMost = RunLimitBundles.ReservedCostMicros();
        const long costLimit = 10_000;
        await using var cluster = await StartAsync($$"""{ agent: "*", cost: {{RunLimitBundles.Amount(costLimit)}} }""");
        var run = await RunCalls.StartIdAsync(cluster.Agent(0));

        var responses = await SendTogetherAsync(cluster, run, "/v1/actions/model", i => ModelCall(0, i));
        var (admitted, _) = await CountAsync(responses, "cost");

        var costEach = (long)Math.Ceiling(((PromptTokens * 0.0025m) + (CompletionTokens * 0.01m)) * 1000m);
        var spent = _openai.ReportedTotals.Count * costEach;
        Assert.Equal(admitted, _openai.ReportedTotals.Count);
        Assert.True(spent <= costLimit + oneCallsMost, $"the run's calls cost {spent} micro-units; its limit is {costLimit}, one call may spend {oneCallsMost}");
        Assert.InRange(admitted, costLimit / oneCallsMost, Requests - 1);
    }

    [Fact]
    public async Task InvokeTool_SameIntentOnTwoReplicas_LoopCountedAcrossThem()
    {
        await using var cluster = await StartAsync("""{ agent: "*", loop: { repeats: 4, decision: block } }""");
        var run = await RunCalls.StartIdAsync(cluster.Agent(0));
        for (var i = 0; i < 3; i++)
        {
            using var allowed = await RunCalls.InRunAsync(cluster.Agent(i % 2), run, json: ReplicaUpstreams.ReadContact("same"));
            await DecisionJson.DecisionAsync(allowed, "allow");
        }

        using var fourth = await RunCalls.InRunAsync(cluster.Agent(1), run, json: ReplicaUpstreams.ReadContact("same"));

        var problem = await ProblemAssert.IsProblemAsync(fourth, HttpStatusCode.Forbidden, "run_loop_detected");
        Assert.Contains($"occurred 4 times in run {run}", problem.GetProperty("explanation").GetProperty("rule_triggers").EnumerateArray()
            .Single(t => t.GetProperty("rule").GetString() == "run_limits.loop").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(3, _crm.Received.Count);
    }

    /// <summary>The most tokens one call reserves (and may spend): the native route's body and its output ceiling.</summary>
    private static long OneCallsMost => RunLimitBundles.Reserved();

    // A model call of the same length as every other (no two share an intent digest, so no loop is involved).
    private static string ModelCall(int wave, int i) => RunLimitBundles.ModelCall().Replace("Say hello.", $"Say hi{wave}{i:00}.", StringComparison.Ordinal);

    // Two replicas whose run limits are entry, whose crm and openai connectors reach the test's upstreams, and whose agent
    // rate limit lets 200 requests a minute through.
    private Task<ReplicaCluster> StartAsync(string entry) => ReplicaCluster.StartAsync(
        replicas: 2,
        new Dictionary<string, string> { [ReplicaUpstreams.CrmOrigin] = _crm.Origin, [ReplicaUpstreams.OpenAIOrigin] = _openai.Server.Origin },
        text => RunLimitBundles.With(entry)(ReplicaUpstreams.WithoutCrmCredential(text))
            .Replace("credential: vault:openai-key", "credential: none", StringComparison.Ordinal)
            .Replace("{ scope: agent, agent: demo-agent, limit: 120, window: 1m }", "{ scope: agent, agent: demo-agent, limit: 1000, window: 1m }", StringComparison.Ordinal));

    // The requests of one run, half to each replica, signed first and released together.
    private static async Task<HttpResponseMessage[]> SendTogetherAsync(ReplicaCluster cluster, string run, string target, Func<int, string> body)
    {
        var agents = new[] { cluster.Agent(0), cluster.Agent(1) };
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var sends = Enumerable.Range(0, Requests).Select(i => Task.Run(async () =>
        {
            var request = agents[i % 2].CreateInRun(HttpMethod.Post, target, body(i), run);
            await gate.Task;
            return await agents[i % 2].SendAsync(request);
        })).ToArray();
        gate.SetResult();
        return await Task.WhenAll(sends);
    }

    // Each response is the action carried out, or 429 run_limit_exceeded naming limit; the two counts.
    private static async Task<(int Admitted, int Refused)> CountAsync(HttpResponseMessage[] responses, string limit)
    {
        int admitted = 0, refused = 0;
        foreach (var response in responses)
        {
            using (response)
            {
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    Assert.True(JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("invoked").GetBoolean());
                    admitted++;
                    continue;
                }

                var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.TooManyRequests, "run_limit_exceeded");
                Assert.Equal(limit, problem.GetProperty("limit").GetString());
                refused++;
            }
        }

        return (admitted, refused);
    }
}
