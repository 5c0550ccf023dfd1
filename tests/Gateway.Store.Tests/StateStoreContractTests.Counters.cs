namespace Gateway.Store.Tests;

/// <summary>
/// The contract's counters (<see cref="AdmissionRequest.Counters"/>, <see cref="IAdmissionStore.AdjustCountersAsync"/>): what a
/// run may spend, reserved in the admission's one step all-or-nothing and settled afterwards.
/// </summary>
public abstract partial class StateStoreContractTests
{
    private static readonly TimeSpan RunLifetime = TimeSpan.FromHours(1);

    [Fact]
    public async Task AdmitCounters_EveryAmountFits_AllAddedWithTheirValues()
    {
        var actions = new CounterReservation(Key("run:actions"), 1, 2, RunLifetime);
        var tokens = new CounterReservation(Key("run:tokens"), 5, 12, RunLifetime);

        var first = await Store.AdmitAsync(Admission("counters-1", [], []) with { Counters = [actions, tokens] });
        var second = await Store.AdmitAsync(Admission("counters-2", [], []) with { Counters = [actions, tokens] });

        Assert.True(first.Counters!.Reserved);
        Assert.Equal(-1, first.Counters.RefusedIndex);
        Assert.Equal([1L, 5L], first.Counters.Values);
        Assert.Equal([2L, 10L], second.Counters!.Values);
        Assert.Equal(["2", "10"], await Store.GetManyAsync([actions.Key, tokens.Key]));
    }

    [Fact]
    public async Task AdmitCounters_OneWouldPassItsLimit_NoneAddedAndTheRefusedOneNamed()
    {
        var actions = new CounterReservation(Key("run:refuse-actions"), 1, 10, RunLifetime);
        var tokens = new CounterReservation(Key("run:refuse-tokens"), 7, 10, RunLifetime);
        Assert.True((await Store.AdmitAsync(Admission("refuse-1", [], []) with { Counters = [actions, tokens] })).Counters!.Reserved);

        var refused = await Store.AdmitAsync(Admission("refuse-2", [], []) with { Counters = [actions, tokens] });

        Assert.True(refused.NonceFresh);
        Assert.False(refused.Counters!.Reserved);
        Assert.Equal(1, refused.Counters.RefusedIndex);
        Assert.Equal([1L, 7L], refused.Counters.Values);

        // The counter that fitted was not counted either; exactly 3 tokens are left.
        Assert.Equal(["1", "7"], await Store.GetManyAsync([actions.Key, tokens.Key]));
        Assert.True((await Store.AdmitAsync(Admission("refuse-3", [], []) with { Counters = [actions, tokens with { Amount = 3 }] })).Counters!.Reserved);
    }

    [Fact]
    public async Task AdmitCounters_MiddleOneWouldPassItsLimit_EveryValueAsItStood()
    {
        var actions = new CounterReservation(Key("run:middle-actions"), 1, 10, RunLifetime);
        var tokens = new CounterReservation(Key("run:middle-tokens"), 6, 10, RunLifetime);
        var cost = new CounterReservation(Key("run:middle-cost"), 5, 100, RunLifetime);
        Assert.True((await Store.AdmitAsync(Admission("middle-1", [], []) with { Counters = [actions, tokens, cost] })).Counters!.Reserved);

        var refused = await Store.AdmitAsync(Admission("middle-2", [], []) with { Counters = [actions, tokens, cost] });

        Assert.Equal(1, refused.Counters!.RefusedIndex);
        Assert.Equal([1L, 6L, 5L], refused.Counters.Values);
        Assert.Equal(["1", "6", "5"], await Store.GetManyAsync([actions.Key, tokens.Key, cost.Key]));
    }

    [Fact]
    public async Task AdmitCounters_Refused_ReservesNoBudgetAndRecordsNoToken()
    {
        var counter = new CounterReservation(Key("run:gate"), 5, 4, RunLifetime);
        var budget = new BudgetReservation(Key("run:gate-budget"), 10, 100, LongWindow);

        var outcome = await Store.AdmitAsync(Admission("gate", [], []) with
        {
            Counters = [counter],
            Budget = budget,
            Token = new TokenRecording(Key("token:gate"), TimeSpan.FromMinutes(5), []),
        });

        Assert.False(outcome.Counters!.Reserved);
        Assert.Null(outcome.Budget);
        Assert.Null(outcome.Token);
        Assert.Null(await Store.GetAsync(Key("token:gate")));
        Assert.True((await Store.TryReserveAsync(budget.Key, 100, 100, LongWindow)).Reserved);
    }

    [Fact]
    public async Task AdmitCounters_ReplayedOrWindowFull_CountNothing()
    {
        var counter = new CounterReservation(Key("run:replay"), 1, 100, RunLifetime);
        var window = new RateLimitWindow(Key("run:replay-rl"), 1, LongWindow);
        var first = Admission("replay-1", [], [window]) with { Counters = [counter] };
        Assert.True((await Store.AdmitAsync(first)).Counters!.Reserved);

        var replay = await Store.AdmitAsync(first);
        var limited = await Store.AdmitAsync(Admission("replay-2", [], [window]) with { Counters = [counter] });

        Assert.False(replay.NonceFresh);
        Assert.Null(replay.Counters);
        Assert.False(limited.RateLimit.Admitted);
        Assert.Null(limited.Counters);
        Assert.Equal("1", await Store.GetAsync(counter.Key));
    }

    [Fact]
    public async Task AdmitCounters_NoLimitOrZeroAmount_CountsOrReadsWithoutRefusing()
    {
        var repeats = new CounterReservation(Key("run:intent"), 1, null, RunLifetime);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(i + 1, (await Store.AdmitAsync(Admission("intent-" + i, [], []) with { Counters = [repeats] })).Counters!.Values[0]);
        }

        var read = await Store.AdmitAsync(Admission("intent-read", [], []) with { Counters = [repeats with { Amount = 0 }, new CounterReservation(Key("run:absent"), 0, 0, RunLifetime)] });

        Assert.True(read.Counters!.Reserved);
        Assert.Equal([3L, 0L], read.Counters.Values);
    }

    [Fact]
    public async Task AdmitCounters_HundredParallelAdmissions_NeverPassALimit()
    {
        var actions = new CounterReservation(Key("run:par-actions"), 1, 30, RunLifetime);
        var tokens = new CounterReservation(Key("run:par-tokens"), 70, 1000, RunLifetime);

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 100).Select(i =>
            Task.Run(async () => await Store.AdmitAsync(Admission("par-counters-" + i, [], []) with { Counters = [actions, tokens] }))));

        // 14 × 70 = 980 tokens: the tokens bind before the 30 actions do, and no admission saw either passed.
        Assert.Equal(14, outcomes.Count(o => o.Counters!.Reserved));
        Assert.All(outcomes.Where(o => !o.Counters!.Reserved), o => Assert.Equal(1, o.Counters!.RefusedIndex));
        Assert.All(outcomes, o => Assert.True(o.Counters!.Values[0] <= 30 && o.Counters.Values[1] <= 1000));
        Assert.Equal(["14", "980"], await Store.GetManyAsync([actions.Key, tokens.Key]));
    }

    [Fact]
    public async Task AdjustCounters_RefundsClampAtZeroAndAnAbsentCounterStaysAbsent()
    {
        var counter = new CounterReservation(Key("run:settle"), 100, 1000, RunLifetime);
        Assert.True((await Store.AdmitAsync(Admission("settle", [], []) with { Counters = [counter] })).Counters!.Reserved);

        Assert.Equal([70L, null], await Store.AdjustCountersAsync([new CounterAdjustment(counter.Key, -30), new CounterAdjustment(Key("run:never"), 5)]));
        Assert.Equal([85L], await Store.AdjustCountersAsync([new CounterAdjustment(counter.Key, 15)]));
        Assert.Equal([0L], await Store.AdjustCountersAsync([new CounterAdjustment(counter.Key, -500)]));
        Assert.Empty(await Store.AdjustCountersAsync([]));

        Assert.Equal(["0", null], await Store.GetManyAsync([counter.Key, Key("run:never")]));
    }

    [Fact]
    public async Task AdjustCounters_FiftyParallelRefunds_EachCountedOnce()
    {
        var counter = new CounterReservation(Key("run:par-settle"), 1000, 1000, RunLifetime);
        Assert.True((await Store.AdmitAsync(Admission("par-settle", [], []) with { Counters = [counter] })).Counters!.Reserved);

        await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => Task.Run(async () => await Store.AdjustCountersAsync([new CounterAdjustment(counter.Key, -10)]))));

        Assert.Equal("500", await Store.GetAsync(counter.Key));
    }

    [Fact]
    public Task AdmitCounters_Lifetime_SetWhenCreatedKeptAfterAndAdjustingDoesNotRevive() => AcrossShortExpiryAsync(
        before: async () =>
        {
            var counter = new CounterReservation(Key("run:short"), 1, 10, ShortExpiry);
            Assert.True((await Store.AdmitAsync(Admission("short-1", [], []) with { Counters = [counter] })).Counters!.Reserved);

            // Counted again with a long lifetime: the counter keeps the expiry it was created with.
            Assert.Equal(2, (await Store.AdmitAsync(Admission("short-2", [], []) with { Counters = [counter with { Lifetime = RunLifetime }] })).Counters!.Values[0]);
        },
        expired: async () => await Store.GetAsync(Key("run:short")) is null,
        after: async () =>
        {
            Assert.Equal([null], await Store.AdjustCountersAsync([new CounterAdjustment(Key("run:short"), 3)]));
            Assert.Null(await Store.GetAsync(Key("run:short")));
        });

    [Fact]
    public async Task AdmitCounters_TooManyOrNegative_RejectedBeforeTheNonceIsSpent()
    {
        var many = Admission("counters-many", [], []) with
        {
            Counters = [.. Enumerable.Range(0, AdmissionRequest.MaxCounters + 1).Select(i => new CounterReservation(Key("run:many-" + i), 1, 10, RunLifetime))],
        };
        var negative = Admission("counters-negative", [], []) with { Counters = [new CounterReservation(Key("run:negative"), -1, 10, RunLifetime)] };

        await Assert.ThrowsAnyAsync<ArgumentException>(async () => await Store.AdmitAsync(many));
        await Assert.ThrowsAnyAsync<ArgumentException>(async () => await Store.AdmitAsync(negative));

        Assert.True(await Store.TrySetIfAbsentAsync(many.NonceKey, "0", TimeSpan.FromMinutes(1)));
        Assert.True(await Store.TrySetIfAbsentAsync(negative.NonceKey, "0", TimeSpan.FromMinutes(1)));
    }

    [Fact]
    public async Task AdmitBudget_NegativeOrAboveMaxAmount_RejectedBeforeTheNonceIsSpentAndTheBudgetUntouched()
    {
        var budget = new BudgetReservation(Key("budget:bounds"), 60, 100, LongWindow);
        Assert.True((await Store.AdmitAsync(Admission("bounds-1", [], []) with { Budget = budget })).Budget!.Value.Reserved);
        var negative = Admission("bounds-negative", [], []) with { Budget = budget with { Amount = -1_000_000 } };
        var huge = Admission("bounds-huge", [], []) with { Budget = budget with { Amount = long.MaxValue } };

        await Assert.ThrowsAnyAsync<ArgumentException>(async () => await Store.AdmitAsync(negative));
        await Assert.ThrowsAnyAsync<ArgumentException>(async () => await Store.AdmitAsync(huge));
        await Assert.ThrowsAnyAsync<ArgumentException>(async () => await Store.TryReserveAsync(budget.Key, -1_000_000, 100, LongWindow));
        await Assert.ThrowsAnyAsync<ArgumentException>(async () => await Store.TryReserveAsync(budget.Key, AdmissionRequest.MaxAmount + 1, 100, LongWindow));

        // Nothing spent: the nonces are free, and the budget holds what the first admission reserved, no more room than before.
        Assert.True(await Store.TrySetIfAbsentAsync(negative.NonceKey, "0", TimeSpan.FromMinutes(1)));
        Assert.True(await Store.TrySetIfAbsentAsync(huge.NonceKey, "0", TimeSpan.FromMinutes(1)));
        var next = await Store.AdmitAsync(Admission("bounds-2", [], []) with { Budget = budget });
        Assert.False(next.Budget!.Value.Reserved);
        Assert.Equal(60, next.Budget.Value.Used);
    }

    [Fact]
    public async Task AdmitBudget_MaxAmountOverAUsedBudget_RefusedNotWrapped()
    {
        var budget = new BudgetReservation(Key("budget:max"), 60, 100, LongWindow);
        Assert.True((await Store.AdmitAsync(Admission("max-1", [], []) with { Budget = budget })).Budget!.Value.Reserved);

        var refused = await Store.AdmitAsync(Admission("max-2", [], []) with { Budget = budget with { Amount = AdmissionRequest.MaxAmount } });
        var counted = await Store.AdmitAsync(Admission("max-3", [], []) with { Counters = [new CounterReservation(Key("run:max"), AdmissionRequest.MaxAmount, 100, RunLifetime)] });

        Assert.False(refused.Budget!.Value.Reserved);
        Assert.Equal(60, refused.Budget.Value.Used);
        Assert.False(counted.Counters!.Reserved);
        Assert.False((await Store.TryReserveAsync(budget.Key, 41, 100, LongWindow)).Reserved);
        Assert.True((await Store.TryReserveAsync(budget.Key, 40, 100, LongWindow)).Reserved);
    }
}
