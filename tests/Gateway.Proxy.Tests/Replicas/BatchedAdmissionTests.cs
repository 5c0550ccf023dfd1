using System.Diagnostics.Metrics;
using System.Net;
using System.Text.Json;
using Gateway.Proxy.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Proxy.Tests.Replicas;

/// <summary>
/// Batched admission through the real gateway on a real redis-server: concurrent signed requests share
/// admission calls, yet each is decided on its own. With an agent limit of <see cref="Limit"/>, a burst
/// of <see cref="Limit"/> + 1 distinct requests and one replay of the first refuses exactly the replay
/// (401 <c>replayed_nonce</c>) and one request over the limit (429 <c>rate_limited</c>), and every
/// admitted or rate-limited request has its audit record.
/// </summary>
[Collection(ReplicaCollection.Name)]
public sealed class BatchedAdmissionTests : IAsyncLifetime
{
    private const int Limit = 12;
    private KestrelUpstream _crm = null!;
    private ReplicaCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        _crm = await ReplicaUpstreams.StartCrmAsync();
        _cluster = await ReplicaCluster.StartAsync(
            replicas: 1,
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
    public async Task InvokeTool_ConcurrentBurstWithReplayAndOneOverLimit_RefusesOnlyThoseAndAuditsTheRest()
    {
        Assert.Contains($"limit: {Limit}, window: 1m", File.ReadAllText(_cluster.Bundle.MainFile), StringComparison.Ordinal);
        var agent = _cluster.Agent(0);
        var requests = Enumerable.Range(0, Limit + 1).Select(i => agent.Create(HttpMethod.Post, "/v1/actions/invoke-tool", ReplicaUpstreams.ReadContact("b" + i))).ToList();
        requests.Add(await AgentClient.CloneAsync(requests[0]));
        using var batches = new AdmissionBatchListener(_cluster[0].Services.GetRequiredService<IMeterFactory>());

        // Redis is frozen while the burst arrives, so that the first admission is in flight and the
        // others queue behind it: the batching under test, made certain rather than left to timing.
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var sends = requests.Select(request => Task.Run(async () =>
        {
            await gate.Task;
            return await agent.SendAsync(request);
        })).ToArray();
        await _cluster.Redis.SignalAsync(freeze: true);
        HttpResponseMessage[] responses;
        try
        {
            gate.SetResult();
            await Task.Delay(TimeSpan.FromMilliseconds(700));
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

            // Every request that names an action has its audit record: the admitted ones and the one
            // refused by the rate limit. A replay, like every 401, is refused before it names one and
            // is not recorded (AdmissionRefusal gives it no AuditTool), batched or not.
            var audited = await AuditedRequestIdsAsync();
            foreach (var response in responses.Where(r => r.StatusCode != HttpStatusCode.Unauthorized))
            {
                var requestId = await RequestIdAsync(response);
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

    private static async Task<string> RequestIdAsync(HttpResponseMessage response) =>
        response.Headers.TryGetValues("X-Request-Id", out var ids) ? ids.Single()
        : JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("request_id").GetString()!;

    private async Task<HashSet<string>> AuditedRequestIdsAsync()
    {
        var found = new HashSet<string>(StringComparer.Ordinal);
        long? start = 0;
        while (start is { } from)
        {
            var page = JsonDocument.Parse(await _cluster.Admin(0).GetStringAsync($"/admin/v1/tenants/demo/audit?start={from}&limit=1000")).RootElement.Clone();
            foreach (var record in page.GetProperty("records").EnumerateArray())
            {
                if (record.TryGetProperty("request_id", out var id) && id.GetString() is { } requestId)
                {
                    found.Add(requestId);
                }
            }

            start = page.TryGetProperty("next_start", out var next) && next.ValueKind == JsonValueKind.Number ? next.GetInt64() : null;
        }

        return found;
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
