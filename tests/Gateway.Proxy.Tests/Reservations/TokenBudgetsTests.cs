using System.Diagnostics.Metrics;
using Gateway.Policy;
using Gateway.Policy.Bundles;
using Gateway.Proxy.Reservations;
using Gateway.Proxy.Telemetry;
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

    public TokenBudgetsTests()
    {
        var loaded = PolicyBundleLoader.LoadTenantText("t1.yaml", Tenant, Path.GetTempPath());
        Assert.Empty(loaded.Errors);
        _tenant = loaded.Tenant!;
        _budgets = new TokenBudgets(new InMemoryStateStore(_time), new GatewayMetrics(_services.GetRequiredService<IMeterFactory>()), _time);
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
    public async Task Settled_RefundWithinTheMarginOfItsWindowsEnd_KeepsTheReservationWhole()
    {
        var held = await _budgets.TryReserveAsync(_tenant, Caller, "openai", 900, admitted: null, CancellationToken.None);

        Assert.Equal(100, _budgets.Settled(held!, 100));
        Assert.Equal(950, _budgets.Settled(held!, 950));
        _time.Advance(TimeSpan.FromSeconds(10) - TokenBudgets.RefundMargin);
        Assert.Equal(900, _budgets.Settled(held!, 100));
        Assert.Equal(950, _budgets.Settled(held!, 950));
    }
}
