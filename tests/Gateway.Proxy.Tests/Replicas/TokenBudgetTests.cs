using System.Net;
using System.Text.Json;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.Replicas;

/// <summary>
/// A model-token budget shared by two replicas is never overspent: each call reserves its ceiling
/// atomically in the shared store before it goes out, so however many calls race on however many
/// replicas, the tokens the provider reports for the admitted calls stay within the budget.
/// </summary>
[Collection(ReplicaCollection.Name)]
public sealed class TokenBudgetTests : IAsyncLifetime
{
    private const int Budget = 2000;
    private const int PromptTokens = 40;
    private const int CompletionTokens = 100;
    private const string ModelCall =
        """{"connector":"openai","request":{"model":"gpt-4o","max_tokens":100,"messages":[{"role":"user","content":"Say hello."}]}}""";

    private OpenAIUpstream _openai = null!;
    private ReplicaCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        _openai = await OpenAIUpstream.StartAsync(PromptTokens, CompletionTokens);
        _cluster = await ReplicaUpstreams.StartWithOpenAIBudgetAsync(replicas: 2, _openai, Budget);
    }

    public async Task DisposeAsync()
    {
        await (_cluster?.DisposeAsync() ?? ValueTask.CompletedTask);
        await (_openai?.DisposeAsync() ?? ValueTask.CompletedTask);
    }

    [Fact]
    public async Task ModelAction_ParallelCallsOnTwoReplicas_NeverOverspendTheBudget()
    {
        Assert.Contains($"tokens: {Budget}, window: 1h", File.ReadAllText(_cluster.Bundle.MainFile), StringComparison.Ordinal);
        var agents = new[] { _cluster.Agent(0), _cluster.Agent(1) };
        var admitted = 0;
        var refusedCount = 0;
        var retryAfters = new List<TimeSpan?>();

        // Two waves: the first races for the fresh budget; the second races for what settling freed.
        for (var wave = 0; wave < 2; wave++)
        {
            // Released together; nothing blocks a thread-pool thread (the gateways run in this process).
            var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var sends = Enumerable.Range(0, 24).Select(i => Task.Run(async () =>
            {
                var request = agents[i % 2].Create(HttpMethod.Post, "/v1/actions/model", ModelCall);
                await gate.Task;
                return await agents[i % 2].SendAsync(request);
            })).ToArray();
            gate.SetResult();
            var responses = await Task.WhenAll(sends);
            try
            {
                foreach (var response in responses)
                {
                    if (response.StatusCode == HttpStatusCode.OK)
                    {
                        admitted++;
                        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                        Assert.True(json.RootElement.GetProperty("invoked").GetBoolean());
                        continue;
                    }

                    refusedCount++;
                    var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.TooManyRequests, "budget_exhausted");
                    Assert.False(problem.GetProperty("invoked").GetBoolean());
                    retryAfters.Add(response.Headers.RetryAfter?.Delta);
                }
            }
            finally
            {
                foreach (var response in responses)
                {
                    response.Dispose();
                }
            }

            var spent = _openai.ReportedTotals.Sum();
            Assert.True(spent <= Budget, $"after wave {wave + 1} the provider reported {spent} tokens for admitted calls; the budget is {Budget}");
        }

        // Every admitted call, and only those, reached the provider; some were refused; the budget was used, not hoarded.
        Assert.Equal(admitted, _openai.ReportedTotals.Count);
        Assert.True(refusedCount > 0, "48 calls of up to 140 tokens each cannot all fit a 2000-token budget");
        Assert.True(admitted >= 8, $"only {admitted} calls were admitted; reservations of ~{CompletionTokens + ModelCall.Length} tokens fit 8 at once");

        // Every refusal says when to retry: within the 1-hour window.
        var missing = retryAfters.Count(r => r is null);
        Assert.True(missing == 0, $"{missing} of {retryAfters.Count} 429 budget_exhausted responses carry no Retry-After header");
        Assert.All(retryAfters, retryAfter => Assert.InRange(retryAfter!.Value.TotalSeconds, 1, 3600));
    }

    [Fact]
    public async Task ModelAction_OutputCeilingOfLongMaxValue_RefusedAndTheBudgetStillHolds()
    {
        const string Huge = """{"connector":"openai","request":{"model":"gpt-4o","max_tokens":9223372036854775807,"messages":[{"role":"user","content":"Say hello."}]}}""";
        var agent = _cluster.Agent(0);
        using (var response = await agent.SendAsync(agent.Create(HttpMethod.Post, "/v1/actions/model", Huge)))
        {
            var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.TooManyRequests, "budget_exhausted");
            Assert.False(problem.GetProperty("invoked").GetBoolean());
        }

        // The refused ceiling left the budget as it was: ordinary calls, one after another, stop at the budget.
        for (var i = 0; i < 30; i++)
        {
            using var response = await agent.SendAsync(agent.Create(HttpMethod.Post, "/v1/actions/model", ModelCall));
            Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.TooManyRequests, $"call {i + 1}: {(int)response.StatusCode}");
        }

        var spent = _openai.ReportedTotals.Sum();
        Assert.True(spent <= Budget, $"the provider reported {spent} tokens for admitted calls; the budget is {Budget}");
        Assert.InRange(_openai.ReportedTotals.Count, 1, Budget / (PromptTokens + CompletionTokens));
    }
}
