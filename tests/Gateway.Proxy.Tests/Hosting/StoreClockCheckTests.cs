using System.Diagnostics.Metrics;
using Gateway.Proxy.Configuration;
using Gateway.Proxy.Hosting;
using Gateway.Proxy.Telemetry;
using Gateway.Store;
using Gateway.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.Proxy.Tests.Hosting;

/// <summary>
/// <see cref="StoreClockCheck"/> over a real redis-server, the replica's clock a <see cref="FakeTimeProvider"/> set off from
/// the real time: the offset it reads is Redis's less the replica's, and readiness follows the bound.
/// </summary>
public sealed class StoreClockCheckTests : IAsyncLifetime
{
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private RedisServer _redis = null!;
    private RedisStateStore _store = null!;

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.StartAsync();
        _store = new RedisStateStore(new RedisStoreOptions { Endpoint = _redis.Endpoint, ConnectTimeout = TimeSpan.FromSeconds(10), CommandTimeout = TimeSpan.FromSeconds(5) });
        await _store.PingAsync();
    }

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        await _redis.DisposeAsync();
        await _services.DisposeAsync();
    }

    [Fact]
    public async Task MeasureAsync_ReplicaClockTenSecondsAhead_ReadsRedisTenSecondsBehind()
    {
        var check = Check(new FakeTimeProvider(DateTimeOffset.UtcNow + TimeSpan.FromSeconds(10)));

        var offset = await check.MeasureAsync(CancellationToken.None);

        Assert.InRange(offset!.Value, TimeSpan.FromSeconds(-11), TimeSpan.FromSeconds(-9));
    }

    [Theory]
    [InlineData(3.0)]
    [InlineData(-3.0)]
    public async Task CheckHealthAsync_ReplicaClockPastTheBoundEitherWay_IsUnhealthy(double aheadSeconds)
    {
        var check = Check(new FakeTimeProvider(DateTimeOffset.UtcNow + TimeSpan.FromSeconds(aheadSeconds)));

        var result = await check.CheckHealthAsync(new HealthCheckContext());

        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        Assert.Equal("skewed", result.Description);
    }

    [Fact]
    public async Task CheckHealthAsync_ClockCorrectedAfterBeingSkewed_IsHealthyAtTheNextProbe()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow - TimeSpan.FromSeconds(30));
        var check = Check(time);
        Assert.Equal(HealthStatus.Unhealthy, (await check.CheckHealthAsync(new HealthCheckContext())).Status);

        time.SetUtcNow(DateTimeOffset.UtcNow);

        Assert.Equal(HealthStatus.Healthy, (await check.CheckHealthAsync(new HealthCheckContext())).Status);
    }

    [Fact]
    public async Task CheckHealthAsync_StoreWithoutAClock_IsHealthy()
    {
        var check = new StoreClockCheck(null, new FakeTimeProvider(DateTimeOffset.UtcNow + TimeSpan.FromHours(1)), new GatewayOptions.AuthenticationSettings(), Metrics(), NullLogger.Instance);

        Assert.Equal(HealthStatus.Healthy, (await check.CheckHealthAsync(new HealthCheckContext())).Status);
    }

    [Fact]
    public async Task ExecuteAsync_EveryInterval_ReadsTheClockAgain()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var readings = new List<double>();
        var factory = _services.GetRequiredService<IMeterFactory>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            // This test's meters only: other tests' gateways record on meters of the same name.
            if (ReferenceEquals(instrument.Meter.Scope, factory) && instrument.Name == "gateway.store.clock.offset")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<double>((_, value, _, _) =>
        {
            lock (readings)
            {
                readings.Add(value);
            }
        });
        listener.Start();
        using var check = Check(time);

        await check.StartAsync(CancellationToken.None);
        await Eventually.HoldsAsync(() => Count(readings) >= 1, TimeSpan.FromSeconds(10), "no reading at start-up");
        time.SetUtcNow(DateTimeOffset.UtcNow + new GatewayOptions.AuthenticationSettings().StoreClockCheckInterval);
        await Eventually.HoldsAsync(() => Count(readings) >= 2, TimeSpan.FromSeconds(10), "no reading after an interval");
        await check.StopAsync(CancellationToken.None);

        Assert.Equal(HealthStatus.Unhealthy, (await check.CheckHealthAsync(new HealthCheckContext())).Status);
    }

    private static int Count(List<double> readings)
    {
        lock (readings)
        {
            return readings.Count;
        }
    }

    private StoreClockCheck Check(TimeProvider time) =>
        new(_store, time, new GatewayOptions.AuthenticationSettings(), Metrics(), NullLogger.Instance);

    private GatewayMetrics Metrics() => new(_services.GetRequiredService<IMeterFactory>());
}
