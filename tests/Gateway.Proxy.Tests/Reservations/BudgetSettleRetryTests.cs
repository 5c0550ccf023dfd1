using System.Diagnostics.Metrics;
using Gateway.Policy;
using Gateway.Policy.Bundles;
using Gateway.Proxy.Reservations;
using Gateway.Proxy.Telemetry;
using Gateway.Store;
using Gateway.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.Proxy.Tests.Reservations;

/// <summary>
/// <see cref="TokenBudgets.SettleAsync"/> when the store fails the settle, over a real redis-server that is killed and
/// started again (its append-only file kept, so the budget survives): use beyond the reservation is retried on the
/// <see cref="TimeProvider"/> until Redis takes it; a refund is not sent again (the reservation stands whole); an excess held
/// past its window's end is given up. Never does the budget count less than was spent.
/// </summary>
public sealed class BudgetSettleRetryTests : IAsyncLifetime
{
    private const string Tenant = """
        tenant: t1
        budgets:
          - { agent: "*", connector: openai, tokens: 1000, window: 1h }
        workspaces: [w]
        catalog:
          - { name: openai, kind: openai, action_type: model_inference, target_system: openai, upstream: "http://127.0.0.1:9100/v1", credential: none }
        """;

    private static readonly (string Tenant, string RegisteredAgent) Caller = ("t1", "agent-a");
    private static readonly TimeSpan GiveUp = TimeSpan.FromSeconds(20);

    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    // The retries' clock, an hour behind the real one (Redis's): advancing it to let retries through never reaches the end
    // of the window the reservation was made in, however close to the end of an hour the test runs.
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow - TimeSpan.FromHours(1));
    private readonly string _directory = Directory.CreateTempSubdirectory("budget-settle-").FullName;
    private TenantPolicy _tenant = null!;
    private RedisServer _redis = null!;
    private RedisStateStore _store = null!;
    private TokenBudgets _budgets = null!;

    public async Task InitializeAsync()
    {
        var loaded = PolicyBundleLoader.LoadTenantText("t1.yaml", Tenant, Path.GetTempPath());
        Assert.Empty(loaded.Errors);
        _tenant = loaded.Tenant!;
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
        _budgets = new TokenBudgets(_store, new GatewayMetrics(_services.GetRequiredService<IMeterFactory>()), _time);
    }

    public async Task DisposeAsync()
    {
        await _budgets.DisposeAsync();
        await _store.DisposeAsync();
        await _redis.DisposeAsync();
        await _services.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task SettleAsync_RedisDownThenBack_TheUseBeyondTheReservationIsSettledOnRetry()
    {
        var held = await _budgets.TryReserveAsync(_tenant, Caller, "openai", 100, admitted: null, CancellationToken.None);
        await _redis.KillAsync();

        await _budgets.SettleAsync(held!, 400, CancellationToken.None);
        Assert.Equal(300, _budgets.HeldForRetry);

        await _redis.StartAsync();
        await Eventually.HoldsAsync(() => Retried(), GiveUp, () => $"still held for retry: {_budgets.HeldForRetry}");

        Assert.Equal(400, await UsedAsync(held!));
    }

    [Fact]
    public async Task SettleAsync_RefundFailing_ReservationStandsWholeAndNothingIsRetried()
    {
        var held = await _budgets.TryReserveAsync(_tenant, Caller, "openai", 900, admitted: null, CancellationToken.None);
        await _redis.KillAsync();

        await _budgets.SettleAsync(held!, 100, CancellationToken.None);

        Assert.Equal(0, _budgets.HeldForRetry);
        await _redis.StartAsync();
        Assert.Equal(900, await UsedAsync(held!));
    }

    [Fact]
    public async Task SettleAsync_RedisDownPastTheWindowsEnd_TheExcessIsGivenUp()
    {
        var held = await _budgets.TryReserveAsync(_tenant, Caller, "openai", 100, admitted: null, CancellationToken.None);
        await _redis.KillAsync();
        await _budgets.SettleAsync(held!, 400, CancellationToken.None);

        // Two hours on (the hour behind, then the window) and past the margin: the slot has ended by any clock, and the store
        // would settle nothing.
        _time.Advance(TimeSpan.FromHours(2) + BudgetSettleRetries.PastSlotEnd);

        await Eventually.HoldsAsync(() => _budgets.HeldForRetry == 0, GiveUp, () => $"still held for retry: {_budgets.HeldForRetry}");
    }

    // Lets a second of the retries' waits pass; true once nothing is held.
    private bool Retried()
    {
        _time.Advance(TimeSpan.FromSeconds(1));
        return _budgets.HeldForRetry == 0;
    }

    // The tokens the budget counts in the reservation's slot (a reservation of nothing reads it), once Redis answers again.
    private async Task<long> UsedAsync(TokenReservation reservation) =>
        await Eventually.ReturnsAsync(
            async () => (await _store.TryReserveAsync(reservation.Key, 0, long.MaxValue / 2, reservation.Window)).Used,
            static _ => true,
            GiveUp,
            static _ => "the budget could not be read",
            static error => error is StateStoreUnavailableException);
}
