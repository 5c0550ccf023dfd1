using System.Net;
using System.Text.Json;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.Replicas;

/// <summary>
/// A rate limit is one counter in the shared store, not one per replica: twenty concurrent requests
/// spread over two replicas against an agent limit of 5 per minute admit exactly five.
/// </summary>
[Collection(ReplicaCollection.Name)]
public sealed class RateLimitTests : IAsyncLifetime
{
    private const int Limit = 5;
    private KestrelUpstream _crm = null!;
    private ReplicaCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        _crm = await ReplicaUpstreams.StartCrmAsync();
        _cluster = await ReplicaCluster.StartAsync(
            replicas: 2,
            new Dictionary<string, string> { [ReplicaUpstreams.CrmOrigin] = _crm.Origin },
            text => ReplicaUpstreams.WithoutCrmCredential(text).Replace(
                "- { scope: agent, agent: demo-agent, limit: 120, window: 1m }",
                $"- {{ scope: agent, agent: demo-agent, limit: {Limit}, window: 1m }}",
                StringComparison.Ordinal));
    }

    public async Task DisposeAsync()
    {
        await (_cluster?.DisposeAsync() ?? ValueTask.CompletedTask);
        await (_crm?.DisposeAsync() ?? ValueTask.CompletedTask);
    }

    [Fact]
    public async Task InvokeTool_TwentyConcurrentRequestsOverTwoReplicas_ExactlyLimitAdmitted()
    {
        Assert.Contains($"limit: {Limit}, window: 1m", File.ReadAllText(_cluster.Bundle.MainFile), StringComparison.Ordinal);
        var agents = new[] { _cluster.Agent(0), _cluster.Agent(1) };
        // Released together; nothing blocks a thread-pool thread (the gateways run in this process).
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var sends = Enumerable.Range(0, 20).Select(i => Task.Run(async () =>
        {
            var request = agents[i % 2].Create(HttpMethod.Post, "/v1/actions/invoke-tool", ReplicaUpstreams.ReadContact("c" + i));
            await gate.Task;
            return await agents[i % 2].SendAsync(request);
        })).ToArray();
        gate.SetResult();
        var responses = await Task.WhenAll(sends);
        try
        {
            var admitted = responses.Count(r => r.StatusCode == HttpStatusCode.OK);
            Assert.Equal(Limit, admitted);
            var refusals = responses.Where(r => r.StatusCode != HttpStatusCode.OK).ToList();
            foreach (var refused in refusals)
            {
                var problem = await ProblemAssert.IsProblemAsync(refused, HttpStatusCode.TooManyRequests, "rate_limited");
                Assert.Equal("agent", problem.GetProperty("scope").GetString());
            }

            // Only the admitted requests reached the upstream.
            Assert.Equal(Limit, _crm.Received.Count);

            // Both replicas keep refusing: the window is shared, not per replica.
            foreach (var agent in agents)
            {
                using var more = await agent.PostJsonAsync("/v1/actions/invoke-tool", ReplicaUpstreams.ReadContact("late"));
                await ProblemAssert.IsProblemAsync(more, HttpStatusCode.TooManyRequests, "rate_limited");
            }

            Assert.Equal(Limit, _crm.Received.Count);

            // Every refusal says when to retry: within the 1-minute window.
            foreach (var refused in refusals)
            {
                var retryAfter = refused.Headers.RetryAfter?.Delta;
                Assert.True(retryAfter is not null, $"429 rate_limited without Retry-After; response headers: {refused.Headers}");
                Assert.InRange(retryAfter!.Value.TotalSeconds, 1, 60);
            }
        }
        finally
        {
            foreach (var response in responses)
            {
                response.Dispose();
            }
        }
    }

    [Fact]
    public async Task InvokeTool_RateLimitStormAndReplayFlood_EveryRefusedRequestIdRecordedOnce()
    {
        var agent = _cluster.Agent(0);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var storm = Enumerable.Range(0, 30).Select(i => Task.Run(async () =>
        {
            var request = agent.Create(HttpMethod.Post, "/v1/actions/invoke-tool", ReplicaUpstreams.ReadContact("s" + i));
            await gate.Task;
            return await agent.SendAsync(request);
        }));
        var original = agent.Create(HttpMethod.Post, "/v1/actions/invoke-tool", ReplicaUpstreams.ReadContact("replayed"));
        var copies = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => AgentClient.CloneAsync(original)));
        var flood = copies.Select(copy => Task.Run(async () =>
        {
            await gate.Task;
            return await agent.SendAsync(copy);
        }));
        gate.SetResult();
        var responses = await Task.WhenAll([.. storm, .. flood]);
        try
        {
            var refused = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var response in responses.Where(r => r.StatusCode != HttpStatusCode.OK))
            {
                var code = response.StatusCode == HttpStatusCode.TooManyRequests ? "rate_limited" : "replayed_nonce";
                var problem = await ProblemAssert.IsProblemAsync(response, response.StatusCode, code);
                var requestId = Assert.Single(response.Headers.GetValues("X-Request-Id"));
                Assert.Equal(requestId, problem.GetProperty("request_id").GetString());
                refused.Add(requestId, "refused:" + code);
            }

            Assert.Equal(9, refused.Count(pair => pair.Value == "refused:replayed_nonce"));
            Assert.Equal(30 + 1 - Limit, refused.Count(pair => pair.Value == "refused:rate_limited"));

            // Each refused request id is in exactly one record of its decision: its own, or an aggregated one
            // that counts exactly the ids it lists.
            using var admin = _cluster.Admin(0);
            using var page = JsonDocument.Parse(await admin.GetStringAsync("/admin/v1/tenants/demo/audit/query?limit=1000"));
            var recorded = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var record in page.RootElement.GetProperty("records").EnumerateArray())
            {
                var decision = record.GetProperty("decision").GetString()!;
                if (!decision.StartsWith("refused:", StringComparison.Ordinal))
                {
                    continue;
                }

                if (record.TryGetProperty("request_ids", out var ids))
                {
                    Assert.Equal(record.GetProperty("count").GetInt32(), ids.GetArrayLength());
                    Assert.True(ids.GetArrayLength() > 1, record.ToString());
                    Assert.False(record.TryGetProperty("request_id", out _), record.ToString());
                    foreach (var id in ids.EnumerateArray())
                    {
                        recorded.Add(id.GetString()!, decision);
                    }
                }
                else
                {
                    recorded.Add(record.GetProperty("request_id").GetString()!, decision);
                }
            }

            Assert.Equal(refused.OrderBy(p => p.Key, StringComparer.Ordinal), recorded.OrderBy(p => p.Key, StringComparer.Ordinal));
        }
        finally
        {
            foreach (var response in responses)
            {
                response.Dispose();
            }
        }
    }
}
