using System.Diagnostics.Metrics;
using System.Globalization;
using Gateway.Connectors.Models;
using Gateway.Policy;
using Gateway.Proxy.Reservations;
using Gateway.Proxy.Telemetry;
using Gateway.Store;
using Gateway.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.Proxy.Tests.Reservations;

/// <summary>
/// <see cref="RunCounters.SettleAsync"/> when the store fails the settle, over a real redis-server that is killed and
/// started again (its append-only file kept, so the run's counters survive): use beyond the reservation is retried on the
/// <see cref="TimeProvider"/> until Redis takes it; a refund is not sent again (the reservation stands); a counter gone
/// (its run ended) is not revived. Never does a run's counter count less than was spent.
/// </summary>
public sealed class RunCounterSettleRetryTests : IAsyncLifetime
{
    private const string TokensKey = "{run:r1}:tokens";
    private const string CostKey = "{run:r1}:cost";
    private static readonly TimeSpan GiveUp = TimeSpan.FromSeconds(20);

    // 1,000 micro-units a token, input or output.
    private static readonly ModelPricing Pricing = new() { Currency = "USD", InputPer1KTokens = 1m, OutputPer1KTokens = 1m };

    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly string _directory = Directory.CreateTempSubdirectory("run-settle-").FullName;
    private GatewayMetrics _metrics = null!;
    private RedisServer _redis = null!;
    private RedisStateStore _store = null!;
    private RunCounters _runs = null!;
    private string? _lastRead;

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.StartAsync(extraArgs: $"--appendonly yes --appendfsync always --dir {_directory}");
        _store = new RedisStateStore(new RedisStoreOptions
        {
            Endpoint = _redis.Endpoint,
            ConnectTimeout = TimeSpan.FromSeconds(2),
            CommandTimeout = TimeSpan.FromSeconds(2),
            ReconnectMinBackoff = TimeSpan.FromMilliseconds(20),
            ReconnectMaxBackoff = TimeSpan.FromMilliseconds(200),
        });
        await _store.PingAsync();
        _metrics = new GatewayMetrics(_services.GetRequiredService<IMeterFactory>());
        _runs = new RunCounters(_store, _metrics, _time);
    }

    public async Task DisposeAsync()
    {
        await _runs.DisposeAsync();
        await _store.DisposeAsync();
        await _redis.DisposeAsync();
        await _services.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task SettleAsync_RedisDownThenBack_TheTokensUsedBeyondTheReservationAreCountedOnRetry()
    {
        using var retries = new MetricCollector<long>(_metrics.RunSettleRetries);
        var reservation = await ReserveAsync(tokens: 100);
        await _redis.KillAsync();

        await _runs.SettleAsync(reservation, new ModelUsage(150, 250), forwarded: true);
        Assert.Equal(300, _runs.HeldForRetry);

        await _redis.StartAsync();
        await Eventually.HoldsAsync(() => RetriedAsync(TokensKey, 400), GiveUp, () => $"the run's token counter is {_lastRead}, not 400 (held for retry: {_runs.HeldForRetry})");

        Assert.Equal(0, _runs.HeldForRetry);
        await Eventually.HoldsAsync(() => Counted(retries, "settled"), GiveUp, "no retry counted as settled");
    }

    [Fact]
    public async Task SettleAsync_RefundFailing_TheReservationStandsAndNothingIsRetried()
    {
        var reservation = await ReserveAsync(tokens: 900);
        await _redis.KillAsync();

        await _runs.SettleAsync(reservation, new ModelUsage(60, 40), forwarded: true);

        Assert.Equal(0, _runs.HeldForRetry);
        await _redis.StartAsync();
        Assert.Equal(900, await CounterAsync(TokensKey));
    }

    [Fact]
    public async Task SettleAsync_TokensOverAndCostUnderWhenRedisFails_OnlyTheTokensBeyondAreRetried()
    {
        var reservation = await ReserveAsync(tokens: 100, costMicros: 500_000);
        await _redis.KillAsync();

        // 400 tokens: 300 more than reserved, and 400,000 micro-units, 100,000 fewer.
        await _runs.SettleAsync(reservation, new ModelUsage(300, 100), forwarded: true);
        Assert.Equal(300, _runs.HeldForRetry);

        await _redis.StartAsync();
        await Eventually.HoldsAsync(() => RetriedAsync(TokensKey, 400), GiveUp, () => $"the run's token counter is {_lastRead}, not 400 (held for retry: {_runs.HeldForRetry})");

        Assert.Equal(500_000, await CounterAsync(CostKey));
    }

    [Fact]
    public async Task SettleAsync_CounterGoneBeforeRedisIsBack_TheExcessIsGivenUpAndTheCounterNotRevived()
    {
        using var retries = new MetricCollector<long>(_metrics.RunSettleRetries);
        var reservation = await ReserveAsync(tokens: 100);
        await _redis.KillAsync();
        await _runs.SettleAsync(reservation, new ModelUsage(150, 250), forwarded: true);

        // The run's counters expire with the run: gone before Redis took the excess.
        await _redis.StartAsync();
        await Eventually.ReturnsAsync(async () => await _store.DeleteAsync(TokensKey), static _ => true, GiveUp, static _ => "the counter could not be deleted", static e => e is StateStoreUnavailableException);

        await Eventually.HoldsAsync(() => Retried(), GiveUp, () => $"still held for retry: {_runs.HeldForRetry}");
        Assert.Null(await _store.GetAsync(TokensKey));
        await Eventually.HoldsAsync(() => Counted(retries, "expired"), GiveUp, "no retry counted as expired");
    }

    // The admission's reservation in the run's counters (which it creates), with the reservation that holds it.
    private async Task<RunReservation> ReserveAsync(long tokens, long costMicros = 0)
    {
        await _store.IncrementAsync(TokensKey, tokens, TimeSpan.FromHours(1));
        if (costMicros > 0)
        {
            await _store.IncrementAsync(CostKey, costMicros, TimeSpan.FromHours(1));
        }

        return new RunReservation("r1")
        {
            TokensKey = TokensKey,
            Tokens = tokens,
            CostKey = costMicros > 0 ? CostKey : null,
            CostMicros = costMicros,
            Pricing = costMicros > 0 ? Pricing : null,
        };
    }

    // Whether a retry was counted with this result.
    private static bool Counted(MetricCollector<long> retries, string result) =>
        retries.GetMeasurementSnapshot().Any(m => m.Tags.TryGetValue("result", out var tag) && Equals(tag, result));

    // Lets a second of the retries' waits pass; true once nothing is held.
    private bool Retried()
    {
        _time.Advance(TimeSpan.FromSeconds(1));
        return _runs.HeldForRetry == 0;
    }

    // Lets a second of the retries' waits pass; true once the counter reads what is expected.
    private async Task<bool> RetriedAsync(string key, long expected)
    {
        _time.Advance(TimeSpan.FromSeconds(1));
        try
        {
            _lastRead = await _store.GetAsync(key);
            return _lastRead is { } value && long.Parse(value, CultureInfo.InvariantCulture) == expected;
        }
        catch (StateStoreUnavailableException)
        {
            return false;
        }
    }

    // The counter's value once Redis answers again (null when absent).
    private async Task<long?> CounterAsync(string key) =>
        await Eventually.ReturnsAsync(
            async () => await _store.GetAsync(key) is { } value ? long.Parse(value, CultureInfo.InvariantCulture) : (long?)null,
            static _ => true,
            GiveUp,
            static _ => "the counter could not be read",
            static error => error is StateStoreUnavailableException);
}
