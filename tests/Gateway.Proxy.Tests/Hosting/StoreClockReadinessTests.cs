using System.Net;
using System.Text.Json;
using Gateway.Proxy.Tests.Infrastructure;
using Gateway.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Proxy.Tests.Hosting;

/// <summary>
/// A replica whose clock is further from the Redis store's than <c>Gateway:Authentication:MaxStoreClockSkew</c> is not
/// ready: replicas share nonces but check timestamps on their own clocks. Over a real redis-server, the replica's clock a
/// manual one set off from the real time by the test.
/// </summary>
public sealed class StoreClockReadinessTests : IAsyncLifetime
{
    private RedisServer _redis = null!;
    private DemoBundle _bundle = null!;

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.StartAsync();
        _bundle = DemoBundle.Create();
    }

    public async Task DisposeAsync()
    {
        _bundle.Dispose();
        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task Readyz_ReplicaClockTenSecondsAheadOfRedis_IsNotReadyUntilItIsCorrected()
    {
        var clock = new ManualTimeProvider(DateTimeOffset.UtcNow + TimeSpan.FromSeconds(10));
        await using var gateway = await GatewayHost.StartAsync(_bundle.Directory, ReplicaCluster.StoreSettings(_redis.Endpoint), builder => builder.Services.AddSingleton<TimeProvider>(clock));

        var (status, body) = await ReadyAsync(gateway);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal("skewed", body.GetProperty("store_clock").GetString());
        Assert.Equal("ok", body.GetProperty("store").GetString());

        // The clock corrected (as NTP would step it): ready at the next probe.
        clock.Advance(DateTimeOffset.UtcNow - clock.GetUtcNow());
        (status, body) = await ReadyAsync(gateway);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("ok", body.GetProperty("store_clock").GetString());
    }

    [Fact]
    public async Task Readyz_ReplicaClockAgreeingWithRedis_IsReady()
    {
        await using var gateway = await GatewayHost.StartAsync(_bundle.Directory, ReplicaCluster.StoreSettings(_redis.Endpoint));

        var (status, body) = await ReadyAsync(gateway);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("ok", body.GetProperty("store_clock").GetString());
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> ReadyAsync(GatewayHost gateway)
    {
        using var response = await gateway.Client.GetAsync("/readyz");
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
    }
}
