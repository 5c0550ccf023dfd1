using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.Faults;

/// <summary>
/// The shared store (a real redis-server) dies under load and comes back on the same port. Contract
/// (agent protocol, "If the nonce store cannot be reached, the answer is 503 and nothing is
/// forwarded"): a request that arrives while the store is down is refused with 503
/// <c>store_unavailable</c> — the nonce check is the first thing that needs the store — and never
/// reaches the upstream. A request already past authentication when the store dies may instead fail
/// at its audit write (503 <c>audit_unavailable</c>); nothing else is acceptable. Once Redis is back,
/// the same gateway process serves again within seconds, and <c>/readyz</c> follows the store. The OAuth authorization
/// endpoint, whose per-address rate limit is counted in the store, answers 503 <c>temporarily_unavailable</c>.
/// </summary>
[Collection(ReplicaCollection.Name)]
public sealed class StoreOutageTests : IAsyncLifetime
{
    // A liveness bound (the test fails instead of hanging), not a speed requirement: the machine may be loaded.
    private static readonly TimeSpan RecoveryDeadline = TimeSpan.FromSeconds(60);
    private KestrelUpstream _crm = null!;
    private ReplicaCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        _crm = await ReplicaUpstreams.StartCrmAsync();

        // Redis is killed here, not hung: while it is down every command fails at once (the client fails fast),
        // so a short command timeout detects nothing and would only turn a slow but healthy command on a loaded
        // machine into a 503 where these tests assert success (a hung Redis is StoreHangTests' subject).
        _cluster = await ReplicaCluster.StartAsync(
            replicas: 1,
            new Dictionary<string, string> { [ReplicaUpstreams.CrmOrigin] = _crm.Origin },
            ReplicaUpstreams.WithoutCrmCredentialOrRateLimits,
            ReplicaCluster.HealthyTimeout);
    }

    public async Task DisposeAsync()
    {
        await (_cluster?.DisposeAsync() ?? ValueTask.CompletedTask);
        await (_crm?.DisposeAsync() ?? ValueTask.CompletedTask);
    }

    [Fact]
    public async Task InvokeTool_RedisKilledThenRestarted_FailsClosedWithNothingForwardedThenRecoversWithoutRestart()
    {
        var gateway = _cluster[0];
        var agent = _cluster.Agent(0);

        // Healthy: concurrent traffic succeeds.
        var before = await FireAsync(agent, "up", tasks: 4, perTask: 5);
        Assert.All(before, r => Assert.True(r.Status == HttpStatusCode.OK, $"before the outage: {(int)r.Status} {r.Body}"));
        Assert.Equal(HttpStatusCode.OK, (await ReadyAsync(gateway)).Status);
        var forwardedBefore = _crm.Received.Count;
        Assert.Equal(before.Count, forwardedBefore);

        await _cluster.Redis.KillAsync();

        // Down: every answer is a 503 problem with code store_unavailable, and nothing is forwarded.
        var during = await FireAsync(agent, "down", tasks: 4, perTask: 8);
        foreach (var response in during)
        {
            Assert.True(response.Status == HttpStatusCode.ServiceUnavailable, $"during the outage: {(int)response.Status} {response.Body}");
            Assert.Equal("application/problem+json", response.MediaType);
            Assert.Equal("store_unavailable", response.Code);
        }

        Assert.Equal(forwardedBefore, _crm.Received.Count);
        Assert.DoesNotContain(ReplicaUpstreams.ContactIds(_crm), id => id.StartsWith("down-", StringComparison.Ordinal));
        var notReady = await ReadyAsync(gateway);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, notReady.Status);
        Assert.Contains("\"store\":\"unavailable\"", notReady.Body, StringComparison.Ordinal);

        // Back on the same port: the same gateway process serves again within seconds.
        await _cluster.Redis.StartAsync();
        var attempt = 0;
        await Gateway.Testing.Eventually.ReturnsAsync(
            () => SendAsync(agent, $"recover-{attempt++}"),
            static probe => probe.Status == HttpStatusCode.OK,
            RecoveryDeadline,
            probe => $"no success {RecoveryDeadline.TotalSeconds} s after Redis came back; last: {(int)probe!.Status} {probe.Body}");

        var after = await FireAsync(agent, "again", tasks: 4, perTask: 5);
        Assert.All(after, r => Assert.True(r.Status == HttpStatusCode.OK, $"after recovery: {(int)r.Status} {r.Body}"));
        Assert.Equal(HttpStatusCode.OK, (await ReadyAsync(gateway)).Status);
        var forwardedAgain = ReplicaUpstreams.ContactIds(_crm).Where(id => id.StartsWith("again-", StringComparison.Ordinal)).ToHashSet();
        Assert.True(forwardedAgain.SetEquals(after.Select(r => r.Id)), "after recovery every admitted request reaches the upstream");
    }

    [Fact]
    public async Task OAuthAuthorizeAndRegister_RedisKilled_AreTemporarilyUnavailableAndKeepNothing()
    {
        var gateway = _cluster[0];
        await _cluster.Redis.KillAsync();

        // Their per-address rate limits are counted in the store: unreachable, each fails closed before anything is read.
        using var authorize = await gateway.Client.GetAsync("/oauth/authorize?client_id=some-ide&response_type=code");
        using var register = await gateway.Client.PostAsync("/oauth/register", new StringContent("{}", System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, authorize.StatusCode);
        Assert.Equal("temporarily_unavailable", JsonDocument.Parse(await authorize.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString());
        Assert.NotNull(authorize.Headers.RetryAfter);
        // The example bundle's demo agent allows registration (make run's IDEs): its rate limit fails closed too.
        Assert.Equal(HttpStatusCode.ServiceUnavailable, register.StatusCode);
        Assert.Equal("temporarily_unavailable", JsonDocument.Parse(await register.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString());
    }

    [Fact]
    public async Task InvokeTool_ContinuousTrafficAcrossOutage_OnlyFailClosedRefusalsAndNoRefusedRequestForwarded()
    {
        var agent = _cluster.Agent(0);
        var results = new ConcurrentQueue<Outcome>();
        var clock = Stopwatch.StartNew();
        using var stop = new CancellationTokenSource();
        var traffic = Enumerable.Range(0, 4).Select(task => Task.Run(async () =>
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                var started = clock.Elapsed;
                var outcome = await SendAsync(agent, $"t{task}-{i}");
                results.Enqueue(outcome with { Started = started, Ended = clock.Elapsed });
                await Task.Delay(10);
            }
        })).ToArray();

        // Traffic served before the outage (counted, not timed).
        await Gateway.Testing.Eventually.HoldsAsync(
            () => results.Count(r => r.Status == HttpStatusCode.OK) >= 8, RecoveryDeadline, "no success before the outage");
        await _cluster.Redis.KillAsync();
        var killed = clock.Elapsed;

        // Keep Redis down until at least 8 requests ran entirely inside the outage (counted, not timed).
        await Gateway.Testing.Eventually.HoldsAsync(
            () => results.Count(r => r.Started >= killed) >= 8, RecoveryDeadline, "the traffic stalled during the outage");

        var restarting = clock.Elapsed;
        await _cluster.Redis.StartAsync();
        var restarted = clock.Elapsed;

        // Keep the traffic going until it has succeeded for a while after the restart (counted, not timed).
        await Gateway.Testing.Eventually.HoldsAsync(
            () => results.Count(r => r.Started > restarted && r.Status == HttpStatusCode.OK) >= 8, RecoveryDeadline, "no success after Redis came back");
        await stop.CancelAsync();
        await Task.WhenAll(traffic);

        var all = results.ToList();
        // Every answer is a success or a fail-closed 503 problem; never a 500, a 502 or a dropped connection.
        foreach (var outcome in all)
        {
            var failClosed = outcome.Status == HttpStatusCode.ServiceUnavailable && outcome.MediaType == "application/problem+json"
                && outcome.Code is "store_unavailable" or "audit_unavailable";
            Assert.True(outcome.Status == HttpStatusCode.OK || failClosed, $"{outcome.Id}: {(int)outcome.Status} {outcome.Body}");
        }

        // Requests made entirely while Redis was down were all refused at the nonce check and never forwarded.
        var duringOutage = all.Where(r => r.Started >= killed && r.Ended <= restarting).ToList();
        Assert.True(duringOutage.Count >= 8, $"only {duringOutage.Count} requests fell inside the outage");
        Assert.All(duringOutage, r => Assert.Equal("store_unavailable", r.Code));
        var forwarded = ReplicaUpstreams.ContactIds(_crm);
        Assert.DoesNotContain(duringOutage, r => forwarded.Contains(r.Id));

        // Every refused request (whenever it ran) stayed away from the upstream, except one that had
        // already been recorded and executed before its outcome record failed.
        var refusedButForwarded = all.Where(r => r.Code == "store_unavailable" && forwarded.Contains(r.Id)).ToList();
        Assert.Empty(refusedButForwarded);

        // Recovered: a success after the restart, within the deadline, and the tail of the traffic all succeeded.
        var firstSuccess = all.Where(r => r.Started > restarted && r.Status == HttpStatusCode.OK).MinBy(r => r.Ended);
        Assert.NotNull(firstSuccess);
        Assert.True(firstSuccess!.Ended - restarted < RecoveryDeadline, $"recovered only after {(firstSuccess.Ended - restarted).TotalSeconds:F1} s");
        Assert.All(all.Where(r => r.Started > firstSuccess.Ended + TimeSpan.FromMilliseconds(100)), r => Assert.True(r.Status == HttpStatusCode.OK, $"{r.Id} after recovery: {(int)r.Status} {r.Body}"));

        // Every success was really forwarded (the upstream saw its id).
        Assert.All(all.Where(r => r.Status == HttpStatusCode.OK), r => Assert.Contains(r.Id, forwarded));
    }

    private static async Task<List<Outcome>> FireAsync(AgentClient agent, string prefix, int tasks, int perTask)
    {
        var runs = Enumerable.Range(0, tasks).Select(task => Task.Run(async () =>
        {
            var outcomes = new List<Outcome>(perTask);
            for (var i = 0; i < perTask; i++)
            {
                outcomes.Add(await SendAsync(agent, $"{prefix}-{task}-{i}"));
            }

            return outcomes;
        }));
        return [.. (await Task.WhenAll(runs)).SelectMany(o => o)];
    }

    private static async Task<Outcome> SendAsync(AgentClient agent, string id)
    {
        using var response = await agent.PostJsonAsync("/v1/actions/invoke-tool", ReplicaUpstreams.ReadContact(id));
        var body = await response.Content.ReadAsStringAsync();
        string? code = null;
        if (response.Content.Headers.ContentType?.MediaType == "application/problem+json")
        {
            using var json = JsonDocument.Parse(body);
            code = json.RootElement.TryGetProperty("code", out var c) ? c.GetString() : null;
        }

        return new Outcome(id, response.StatusCode, response.Content.Headers.ContentType?.MediaType, code, body);
    }

    private static async Task<(HttpStatusCode Status, string Body)> ReadyAsync(GatewayHost gateway)
    {
        using var response = await gateway.Client.GetAsync("/readyz");
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private sealed record Outcome(string Id, HttpStatusCode Status, string? MediaType, string? Code, string Body)
    {
        public TimeSpan Started { get; init; }

        public TimeSpan Ended { get; init; }
    }
}
