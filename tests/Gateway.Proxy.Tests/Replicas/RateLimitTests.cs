using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net;
using System.Text.Json;
using Gateway.Proxy.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Proxy.Tests.Replicas;

/// <summary>
/// A rate limit is one counter in the shared store, not one per replica: twenty concurrent requests
/// spread over two replicas against an agent limit of 5 per minute admit exactly five. Concurrent
/// requests to one replica share its admission calls (batched admission), yet each is decided on its
/// own: a burst of six distinct requests and a replay refuses exactly the replay and one request over
/// the limit, and every request, admitted or refused, has its audit record.
/// </summary>
[Collection(ReplicaCollection.Name)]
public sealed class RateLimitTests : IAsyncLifetime
{
    private const int Limit = 5;

    /// <summary>What must be left of the current minute's window when a burst begins.</summary>
    private static readonly TimeSpan WindowLeft = TimeSpan.FromSeconds(20);
    private readonly ConcurrentQueue<(string Request, string Call)> _calls = new();
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
                StringComparison.Ordinal),
            configure: (index, builder) =>
            {
                // Replica 0's store calls are noted as they are made: how many admissions have begun (and queued) is seen.
                if (index == 0)
                {
                    CountingStateStore.CountInto(builder, _calls);
                }
            });
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
        await AwaitWindowLeftAsync();
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
        await AwaitWindowLeftAsync();
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
            var recorded = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (requestId, decision) in await RecordedRequestIdsAsync())
            {
                if (decision.StartsWith("refused:", StringComparison.Ordinal))
                {
                    recorded.Add(requestId, decision);
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

    [Fact]
    public async Task InvokeTool_ConcurrentBurstWithReplayAndOneOverLimit_RefusesOnlyThoseAndAuditsTheRest()
    {
        var agent = _cluster.Agent(0);
        await AwaitWindowLeftAsync();
        var requests = Enumerable.Range(0, Limit + 1).Select(i => agent.Create(HttpMethod.Post, "/v1/actions/invoke-tool", ReplicaUpstreams.ReadContact("b" + i))).ToList();
        requests.Add(await AgentClient.CloneAsync(requests[0]));
        using var batches = new AdmissionBatchListener(_cluster[0].Services.GetRequiredService<IMeterFactory>());

        // Redis is frozen while the burst arrives, so that the first admission is in flight and the
        // others queue behind it: the batching under test, made certain rather than left to timing. Redis
        // is thawed once every request's admission has begun (the counting store saw each admit call).
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var sends = requests.Select(request => Task.Run(async () =>
        {
            await gate.Task;
            return await agent.SendAsync(request);
        })).ToArray();
        var admitsBefore = Admits();
        await _cluster.Redis.SignalAsync(freeze: true);
        HttpResponseMessage[] responses;
        try
        {
            gate.SetResult();
            await Gateway.Testing.Eventually.HoldsAsync(() => Admits() - admitsBefore >= requests.Count, TimeSpan.FromSeconds(10),
                () => $"{Admits() - admitsBefore} of {requests.Count} admissions began while Redis was frozen");
        }
        finally
        {
            await _cluster.Redis.SignalAsync(freeze: false);
        }

        responses = await Task.WhenAll(sends);
        try
        {
            var statuses = string.Join(", ", responses.Select(r => (int)r.StatusCode));
            Assert.True(responses.Count(r => r.StatusCode == HttpStatusCode.OK) == Limit, statuses);
            await ProblemAssert.IsProblemAsync(Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Unauthorized), HttpStatusCode.Unauthorized, "replayed_nonce");
            var limited = await ProblemAssert.IsProblemAsync(Assert.Single(responses, r => r.StatusCode == HttpStatusCode.TooManyRequests), HttpStatusCode.TooManyRequests, "rate_limited");
            Assert.Equal("agent", limited.GetProperty("scope").GetString());
            Assert.Equal(Limit, _crm.Received.Count);

            // Fewer admission calls than requests, and every request went through one of them.
            Assert.Equal(requests.Count, batches.Admissions);
            Assert.InRange(batches.Calls, 1, requests.Count - 1);

            // Every request, admitted or refused, has its audit record (its own, or an aggregated
            // refusal record listing it).
            var audited = (await RecordedRequestIdsAsync()).Select(r => r.RequestId).ToHashSet(StringComparer.Ordinal);
            foreach (var response in responses)
            {
                var requestId = Assert.Single(response.Headers.GetValues("X-Request-Id"));
                Assert.True(audited.Contains(requestId), $"no audit record for {requestId} ({(int)response.StatusCode})");
            }
        }
        finally
        {
            foreach (var response in responses)
            {
                response.Dispose();
            }

            foreach (var request in requests)
            {
                request.Dispose();
            }
        }
    }

    /// <summary>
    /// Returns once at least <see cref="WindowLeft"/> is left of the current minute, waiting for the next to begin when less
    /// is: a window is a slot of the store's clock (floor(now / 1 minute), Redis's <c>TIME</c>, on this machine's clock,
    /// which this one reads), and a burst that crossed a minute's end would see its limit reset midway.
    /// </summary>
    private static Task AwaitWindowLeftAsync() =>
        Gateway.Testing.Eventually.HoldsAsync(() => IntoMinute() <= TimeSpan.FromMinutes(1) - WindowLeft, TimeSpan.FromSeconds(70),
            () => $"{IntoMinute()} into the minute: the next minute never began");

    /// <summary>How far into the current minute (of the Unix epoch, as the store's windows count it) the clock is.</summary>
    private static TimeSpan IntoMinute() => TimeSpan.FromMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() % 60_000);

    /// <summary>Admission calls replica 0 made so far (each request's, whether it went alone or queued for a batch).</summary>
    private int Admits() => _calls.Count(static c => c.Call == "admit" && !c.Request.StartsWith("nonce ", StringComparison.Ordinal));

    /// <summary>
    /// Every request id the tenant's records name (every chain), with the record's decision: a record's own
    /// <c>request_id</c>, or each id of an aggregated refusal record or a folded outcome or decision record, which must count exactly the ids it lists.
    /// </summary>
    private async Task<List<(string RequestId, string Decision)>> RecordedRequestIdsAsync()
    {
        using var admin = _cluster.Admin(0);
        using var page = JsonDocument.Parse(await admin.GetStringAsync("/admin/v1/tenants/demo/audit/query?limit=1000"));
        Assert.False(page.RootElement.TryGetProperty("next_cursor", out var next) && next.ValueKind == JsonValueKind.String, "more records than one page");
        var recorded = new List<(string, string)>();
        foreach (var record in page.RootElement.GetProperty("records").EnumerateArray())
        {
            var decision = record.GetProperty("decision").GetString()!;
            if (record.TryGetProperty("request_ids", out var ids))
            {
                Assert.Equal(record.GetProperty("count").GetInt32(), ids.GetArrayLength());
                Assert.True(ids.GetArrayLength() > 1, record.ToString());
                Assert.False(record.TryGetProperty("request_id", out _), record.ToString());
                recorded.AddRange(ids.EnumerateArray().Select(id => (id.GetString()!, decision)));
            }
            else if (record.TryGetProperty("outcomes", out var outcomes))
            {
                Assert.Equal(record.GetProperty("count").GetInt32(), outcomes.GetArrayLength());
                Assert.True(outcomes.GetArrayLength() > 1, record.ToString());
                Assert.False(record.TryGetProperty("request_id", out _), record.ToString());
                recorded.AddRange(outcomes.EnumerateArray().Select(outcome => (outcome.GetProperty("request_id").GetString()!, decision)));
            }
            else if (record.TryGetProperty("decisions", out var decisions))
            {
                Assert.Equal(record.GetProperty("count").GetInt32(), decisions.GetArrayLength());
                Assert.True(decisions.GetArrayLength() > 1, record.ToString());
                Assert.False(record.TryGetProperty("request_id", out _), record.ToString());
                recorded.AddRange(decisions.EnumerateArray().Select(d => (d.GetProperty("request_id").GetString()!, decision)));
            }
            else
            {
                recorded.Add((record.GetProperty("request_id").GetString()!, decision));
            }
        }

        return recorded;
    }

    /// <summary>Counts this gateway's batched admission calls and the admissions they carried (<c>gateway.store.admission_batch.size</c>).</summary>
    private sealed class AdmissionBatchListener : IDisposable
    {
        private readonly MeterListener _listener = new();
        private long _calls;
        private long _admissions;

        public AdmissionBatchListener(IMeterFactory gatewayMeters)
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Scope == gatewayMeters && instrument.Name == "gateway.store.admission_batch.size")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<int>((_, size, _, _) =>
            {
                Interlocked.Increment(ref _calls);
                Interlocked.Add(ref _admissions, size);
            });
            _listener.Start();
        }

        public long Calls => Interlocked.Read(ref _calls);

        public long Admissions => Interlocked.Read(ref _admissions);

        public void Dispose() => _listener.Dispose();
    }
}
