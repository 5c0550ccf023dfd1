using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using Gateway.Proxy.Tests.Infrastructure;
using Gateway.Store;
using Eventually = Gateway.Testing.Eventually;
using RedisCluster = Gateway.Testing.RedisCluster;

namespace Gateway.Proxy.Tests.Faults;

/// <summary>
/// The real gateway on a real Redis Cluster (three primaries, three replicas; the topology's defaults, so every write
/// waits for a replica), its audit journal on file, under signed traffic while the primary that owns the demo tenant's
/// hash slot is killed, its replica promoted and the former primary brought back as a replica. Contract: every answer
/// is a success or a 503 <c>store_unavailable</c> problem; a refused request never reaches the upstream and is
/// recorded in the journal; <c>/readyz</c> reports the store unavailable while the slot has no primary fit to write
/// to; the same gateway process serves again afterwards; and no request forwarded before, during or after the
/// failover is accepted a second time (every one of them, replayed, is refused as a replayed nonce).
/// </summary>
[Collection(ReplicaCollection.Name)]
public sealed class RedisClusterFailoverTests : IAsyncLifetime
{
    // A liveness bound (the test fails instead of hanging), not a speed requirement: the machine may be loaded.
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("gw-cluster-failover-").FullName;
    private KestrelUpstream _crm = null!;
    private DemoBundle _bundle = null!;
    private RedisCluster _redis = null!;
    private GatewayHost? _gateway;

    public async Task InitializeAsync()
    {
        _crm = await ReplicaUpstreams.StartCrmAsync();
        _bundle = DemoBundle.Create(new Dictionary<string, string> { [ReplicaUpstreams.CrmOrigin] = _crm.Origin });
        _bundle.Rewrite(ReplicaUpstreams.WithoutCrmCredentialOrRateLimits);
        _redis = await RedisCluster.StartAsync();
        var settings = new Dictionary<string, string?>
        {
            ["Gateway:DataDirectory"] = _dataDirectory,
            ["Gateway:Store:Kind"] = "redis",
            ["Gateway:Store:Redis:Topology"] = "cluster",
            ["Gateway:Store:Redis:CommandTimeout"] = "00:00:02",
            ["Gateway:Store:Redis:ConnectTimeout"] = "00:00:02",
            ["Gateway:Store:Redis:ReplicaAcknowledgementTimeout"] = "00:00:00.250",
            ["Gateway:Store:Redis:ReconnectMinBackoff"] = "00:00:00.02",
            ["Gateway:Store:Redis:ReconnectMaxBackoff"] = "00:00:00.2",
            ["Gateway:Audit:Sink"] = AuditSinkUnderTest.File,
            ["Gateway:Audit:ReplicaId"] = "replica-0",
        };
        for (var i = 0; i < _redis.Seeds.Count; i++)
        {
            settings[$"Gateway:Store:Redis:Endpoints:{i}"] = _redis.Seeds[i];
        }

        foreach (var key in new[] { "DATA_ENCRYPTION_KEY", "DECISION_SIGNING_KEY", "GATEWAY_SERVICE_KEY" })
        {
            settings[key] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        }

        _gateway = await GatewayHost.StartAsync(_bundle.Directory, settings);
        await ReplicaCluster.WaitUntilReadyAsync(_gateway, 0, Deadline);
    }

    public async Task DisposeAsync()
    {
        await StopGatewayAsync();
        await (_redis?.DisposeAsync() ?? ValueTask.CompletedTask);
        _bundle?.Dispose();
        await (_crm?.DisposeAsync() ?? ValueTask.CompletedTask);
        Directory.Delete(_dataDirectory, recursive: true);
    }

    [Fact]
    public async Task InvokeTool_TenantsPrimaryKilledUnderTraffic_RefusedAndRecordedThenRecoversAndNoRequestAcceptedTwice()
    {
        var agent = new AgentClient(_gateway!.Client, _bundle.AgentSecret);
        var primary = await _redis.PrimaryForAsync(StoreKeys.Nonce(DemoBundle.Tenant, DemoBundle.Agent, "x"));
        var outcomes = new ConcurrentQueue<Outcome>();
        using var stop = new CancellationTokenSource();
        var traffic = Enumerable.Range(0, 4).Select(worker => Task.Run(async () =>
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                outcomes.Enqueue(await SendAsync(agent, $"w{worker}-{i}"));
                await Task.Delay(5);
            }
        })).ToArray();

        await WhenAsync(() => outcomes.Count(o => o.Status == HttpStatusCode.OK) >= 20, "no success before the kill");
        await primary.KillAsync();
        var killed = TimeProvider.System.GetTimestamp();
        await WhenAsync(() => outcomes.Count(o => o.At > killed && o.Status == HttpStatusCode.ServiceUnavailable) >= 8, "nothing was refused after the kill");
        var notReady = await ReadyAsync();
        Assert.Equal(HttpStatusCode.ServiceUnavailable, notReady.Status);
        Assert.Contains("\"store\":\"unavailable\"", notReady.Body, StringComparison.Ordinal);

        // Promoted, then the former primary back as its replica (until then no write can be acknowledged by one).
        await _redis.WaitForPromotionAsync(StoreKeys.Nonce(DemoBundle.Tenant, DemoBundle.Agent, "x"), primary, Deadline);
        await primary.StartAsync();
        await _redis.WaitUntilHealthyAsync(Deadline);
        var healed = TimeProvider.System.GetTimestamp();
        await WhenAsync(() => outcomes.Count(o => o.At > healed && o.Status == HttpStatusCode.OK) >= 8, "the gateway did not serve again");
        await stop.CancelAsync();
        await Task.WhenAll(traffic);
        Assert.Equal(HttpStatusCode.OK, (await ReadyAsync()).Status);

        // Every answer a success or a fail-closed refusal; no refused request forwarded.
        var all = outcomes.ToList();
        foreach (var outcome in all)
        {
            var failClosed = outcome is { Status: HttpStatusCode.ServiceUnavailable, MediaType: "application/problem+json", Code: "store_unavailable" };
            Assert.True(outcome.Status == HttpStatusCode.OK || failClosed, $"{outcome.Id}: {(int)outcome.Status} {outcome.Body}");
        }

        var forwarded = ReplicaUpstreams.ContactIds(_crm);
        var refused = all.Where(o => o.Status != HttpStatusCode.OK).ToList();
        Assert.NotEmpty(refused);
        Assert.DoesNotContain(refused, o => forwarded.Contains(o.Id));
        Assert.All(all.Where(o => o.Status == HttpStatusCode.OK), o => Assert.Contains(o.Id, forwarded));

        // No request accepted twice: each forwarded one, replayed byte for byte, is refused as a replay.
        foreach (var accepted in all.Where(o => o.Status == HttpStatusCode.OK))
        {
            using var replay = await _gateway.Client.SendAsync(accepted.Request);
            await ProblemAssert.IsProblemAsync(replay, HttpStatusCode.Unauthorized, "replayed_nonce");
        }

        // The refusals are in the journal, and the journal's chain verifies.
        await StopGatewayAsync();
        await using var sink = new FileAuditSinkUnderTest(_dataDirectory);
        await using var reader = await sink.OpenAsync();
        var stored = await reader.ReadAsync(DemoBundle.Tenant);
        foreach (var outcome in refused)
        {
            var record = Assert.Single(stored, r => r.RequestId == outcome.RequestId);
            Assert.Equal((int)HttpStatusCode.ServiceUnavailable, record.StatusCode);
        }

        var verification = await reader.VerifyAsync(DemoBundle.Tenant);
        Assert.True(verification.Intact, verification.Reason);
    }

    private async Task StopGatewayAsync()
    {
        if (_gateway is not null)
        {
            await _gateway.DisposeAsync();
            _gateway = null;
        }
    }

    // One signed invoke-tool request; the signed copy is kept, to replay it afterwards.
    private static async Task<Outcome> SendAsync(AgentClient agent, string id)
    {
        using var request = agent.Create(HttpMethod.Post, "/v1/actions/invoke-tool", ReplicaUpstreams.ReadContact(id));
        var copy = await AgentClient.CloneAsync(request);
        using var response = await agent.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        string? code = null;
        if (response.Content.Headers.ContentType?.MediaType == "application/problem+json")
        {
            using var json = JsonDocument.Parse(body);
            code = json.RootElement.TryGetProperty("code", out var c) ? c.GetString() : null;
        }

        var requestId = response.Headers.TryGetValues("X-Request-Id", out var ids) ? ids.Single() : null;
        return new Outcome(id, response.StatusCode, response.Content.Headers.ContentType?.MediaType, code, body, requestId, copy, TimeProvider.System.GetTimestamp());
    }

    private async Task<(HttpStatusCode Status, string Body)> ReadyAsync()
    {
        using var response = await _gateway!.Client.GetAsync("/readyz");
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private static Task WhenAsync(Func<bool> condition, string failure) =>
        Eventually.HoldsAsync(condition, Deadline, failure);

    private sealed record Outcome(string Id, HttpStatusCode Status, string? MediaType, string? Code, string Body, string? RequestId, HttpRequestMessage Request, long At);
}
