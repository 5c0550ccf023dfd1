using System.Diagnostics.Metrics;
using Gateway.Policy;
using Gateway.Policy.Bundles;
using Gateway.Proxy.Admit;
using Gateway.Proxy.Reservations;
using Gateway.Proxy.Telemetry;
using Gateway.Proxy.Tests.Infrastructure;
using Gateway.Store;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.Proxy.Tests.Reservations;

/// <summary>
/// <see cref="TokenBudgets"/> over a real (embedded) state store: what Enforce takes up of a budget and what Respond
/// settles or releases of it, shared by every stage that holds a reservation.
/// </summary>
public sealed class TokenBudgetsTests : IDisposable
{
    private const string Tenant = """
        tenant: t1
        budgets:
          - { agent: "*", connector: openai, tokens: 1000, window: 1h }
        workspaces: [w]
        catalog:
          - { name: openai, kind: openai, action_type: model_inference, target_system: openai, upstream: "http://127.0.0.1:9100/v1", credential: none }
          - { name: other, kind: openai, action_type: model_inference, target_system: other, upstream: "http://127.0.0.1:9101/v1", credential: none }
        """;

    private static readonly (string Tenant, string RegisteredAgent) Caller = ("t1", "agent-a");

    [Fact]
    public void KeyFor_AgentIdAndConnectorSplittingTheSameText_GiveOtherKeys()
    {
        var teamCi = new TokenBudget { Agent = "team:ci", Connector = "openai", Tokens = 100, Window = TimeSpan.FromHours(1) };
        var team = new TokenBudget { Agent = "team", Connector = "ci:openai", Tokens = 100, Window = TimeSpan.FromHours(1) };
        var everyone = new TokenBudget { Agent = "*", Connector = "*", Tokens = 100, Window = TimeSpan.FromHours(1) };

        Assert.NotEqual(TokenBudgets.KeyFor(teamCi, "t1", "team:ci", "openai"), TokenBudgets.KeyFor(team, "t1", "team", "ci:openai"));
        Assert.NotEqual(TokenBudgets.KeyFor(everyone, "t1", "a", "b"), TokenBudgets.KeyFor(teamCi, "t1", "*", "*"));
        Assert.Equal(TokenBudgets.KeyFor(everyone, "t1", "a", "b"), TokenBudgets.KeyFor(everyone, "t1", "c", "d"));
    }

    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly TenantPolicy _tenant;
    private readonly TokenBudgets _budgets;

    // Ten seconds before an hour ends: the 1h window's slot ends with it.
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 3, 9, 59, 50, TimeSpan.Zero));
    private readonly InMemoryStateStore _store;

    public TokenBudgetsTests()
    {
        var loaded = PolicyBundleLoader.LoadTenantText("t1.yaml", Tenant, Path.GetTempPath());
        Assert.Empty(loaded.Errors);
        _tenant = loaded.Tenant!;
        _store = new InMemoryStateStore(_time);
        _budgets = new TokenBudgets(_store, new GatewayMetrics(_services.GetRequiredService<IMeterFactory>()));
    }

    public void Dispose() => _services.Dispose();

    [Fact]
    public async Task TryReserveAsync_ConnectorWithoutABudget_IsNull()
    {
        Assert.Null(await _budgets.TryReserveAsync(_tenant, Caller, "other", 10, admitted: null, CancellationToken.None));
    }

    [Fact]
    public async Task TryReserveAsync_BeyondWhatIsLeft_IsRefusedWithTheReset()
    {
        var first = await _budgets.TryReserveAsync(_tenant, Caller, "openai", 600, admitted: null, CancellationToken.None);
        var second = await _budgets.TryReserveAsync(_tenant, Caller, "openai", 600, admitted: null, CancellationToken.None);

        Assert.True(first!.Granted);
        Assert.False(second!.Granted);
        Assert.True(second.ResetsIn > TimeSpan.Zero);
    }

    [Fact]
    public async Task TryReserveAsync_AdmissionHeldEnough_TakesItUpAndReservesNoMore()
    {
        var admitted = await _budgets.TryReserveAsync(_tenant, Caller, "openai", 600, admitted: null, CancellationToken.None);

        var taken = await _budgets.TryReserveAsync(_tenant, Caller, "openai", 500, admitted, CancellationToken.None);

        Assert.Same(admitted, taken);
        Assert.True((await _budgets.TryReserveAsync(_tenant, Caller, "openai", 400, admitted: null, CancellationToken.None))!.Granted);
    }

    [Fact]
    public async Task SettleAsync_UsedLessThanReserved_GivesTheRestBack()
    {
        var held = await _budgets.TryReserveAsync(_tenant, Caller, "openai", 900, admitted: null, CancellationToken.None);

        await _budgets.SettleAsync(held!, 100, CancellationToken.None);

        Assert.True((await _budgets.TryReserveAsync(_tenant, Caller, "openai", 900, admitted: null, CancellationToken.None))!.Granted);
        Assert.False((await _budgets.TryReserveAsync(_tenant, Caller, "openai", 1, admitted: null, CancellationToken.None))!.Granted);
    }

    [Fact]
    public async Task ReleaseAsync_NotForwarded_GivesAllBack()
    {
        var held = await _budgets.TryReserveAsync(_tenant, Caller, "openai", 1000, admitted: null, CancellationToken.None);

        await _budgets.ReleaseAsync(held!);

        Assert.True((await _budgets.TryReserveAsync(_tenant, Caller, "openai", 1000, admitted: null, CancellationToken.None))!.Granted);
    }

    [Fact]
    public async Task SettleAsync_RefundAfterItsWindowEnded_NotGivenToTheNextWindow()
    {
        var held = await _budgets.TryReserveAsync(_tenant, Caller, "openai", 900, admitted: null, CancellationToken.None);
        _time.Advance(TimeSpan.FromSeconds(11));
        Assert.True((await _budgets.TryReserveAsync(_tenant, Caller, "openai", 500, admitted: null, CancellationToken.None))!.Granted);

        await _budgets.SettleAsync(held!, 100, CancellationToken.None);

        // The next window holds its own 500: the old reservation's 800 unused tokens were not taken off it.
        Assert.False((await _budgets.TryReserveAsync(_tenant, Caller, "openai", 501, admitted: null, CancellationToken.None))!.Granted);
        Assert.True((await _budgets.TryReserveAsync(_tenant, Caller, "openai", 500, admitted: null, CancellationToken.None))!.Granted);
    }

    [Fact]
    public async Task SettleAsync_RefundDelayedInFlightPastItsWindowsEnd_NotGivenToTheNextWindow()
    {
        // Settled nine seconds before the window ends, but the call reaches the store only after it ended, once another
        // replica has reserved 500 in the next window.
        var store = new InMemoryStateStore(_time);
        var budgets = new TokenBudgets(InterceptedStateStore.Wrap(store, (method, args, call) =>
            method.Name == nameof(IStateStore.SettleAsync) ? DelayedPastTheWindowsEndAsync(store, (string)args![0]!, () => (ValueTask<long>)call()!) : call()),
            new GatewayMetrics(_services.GetRequiredService<IMeterFactory>()));
        var held = await budgets.TryReserveAsync(_tenant, Caller, "openai", 900, admitted: null, CancellationToken.None);
        _time.Advance(TimeSpan.FromSeconds(1));

        await budgets.SettleAsync(held!, 100, CancellationToken.None);

        // The next window holds its own 500: the old reservation's 800 unused tokens were not taken off it.
        Assert.False((await budgets.TryReserveAsync(_tenant, Caller, "openai", 501, admitted: null, CancellationToken.None))!.Granted);
        Assert.True((await budgets.TryReserveAsync(_tenant, Caller, "openai", 500, admitted: null, CancellationToken.None))!.Granted);
    }

    // A settle held in flight past its window's end: the clock passes it, another replica reserves 500 of the next window,
    // then the settle reaches the store.
    private async ValueTask<long> DelayedPastTheWindowsEndAsync(InMemoryStateStore store, string key, Func<ValueTask<long>> settle)
    {
        _time.Advance(TimeSpan.FromSeconds(11));
        Assert.True((await store.TryReserveAsync(key, 500, 1000, TimeSpan.FromHours(1))).Reserved);
        return await settle();
    }

    [Fact]
    public async Task SettleAsync_RefundInItsWindowsLastMillisecond_GivenBack()
    {
        var held = await _budgets.TryReserveAsync(_tenant, Caller, "openai", 900, admitted: null, CancellationToken.None);
        _time.Advance(TimeSpan.FromSeconds(10) - TimeSpan.FromMilliseconds(1));

        await _budgets.SettleAsync(held!, 100, CancellationToken.None);

        // The store settles in the slot reserved in while it lasts: no margin of this replica's clock keeps the refund.
        Assert.True((await _budgets.TryReserveAsync(_tenant, Caller, "openai", 900, admitted: null, CancellationToken.None))!.Granted);
    }

    [Fact]
    public async Task SettleAsync_AdmissionsReservationAfterItsWindowEnded_NotGivenToTheNextWindow()
    {
        var asked = new BudgetReservation(TokenBudgets.KeyFor(_tenant.BudgetFor(Caller.RegisteredAgent, "openai")!, Caller.Tenant, Caller.RegisteredAgent, "openai"), 900, 1000, TimeSpan.FromHours(1));
        var admitted = TokenBudgetGate.Admitted(asked, (await _store.AdmitAsync(new AdmissionRequest("t1:nonce", "n", TimeSpan.FromMinutes(5), [], []) with { Budget = asked })).Budget);
        var held = await _budgets.TryReserveAsync(_tenant, Caller, "openai", 950, admitted, CancellationToken.None);
        _time.Advance(TimeSpan.FromSeconds(11));
        Assert.True((await _budgets.TryReserveAsync(_tenant, Caller, "openai", 500, admitted: null, CancellationToken.None))!.Granted);

        await _budgets.SettleAsync(held!, 100, CancellationToken.None);

        Assert.False((await _budgets.TryReserveAsync(_tenant, Caller, "openai", 501, admitted: null, CancellationToken.None))!.Granted);
    }
}
