namespace Gateway.Store.Tests;

/// <summary>The contract's admission (<see cref="IAdmissionStore.AdmitAsync"/>): nonce, switches and windows in one step, and the budget it may reserve.</summary>
public abstract partial class StateStoreContractTests
{
    [Fact]
    public async Task AdmitWindows_TwoWindows_RefusalCountsInNoWindow()
    {
        var wide = new RateLimitWindow(Key("rl-wide"), Limit: 5, LongWindow);
        var narrow = new RateLimitWindow(Key("rl-narrow"), Limit: 3, LongWindow);

        for (var i = 0; i < 3; i++)
        {
            Assert.True((await AcquireAsync([wide, narrow])).Admitted);
        }

        var refused = await AcquireAsync([wide, narrow]);
        Assert.False(refused.Admitted);
        Assert.Equal(1, refused.RefusedIndex);
        Assert.InRange(refused.RetryAfter, TimeSpan.FromTicks(1), LongWindow);

        // The refused request was not counted in the wide window: exactly two more fit.
        Assert.True((await AcquireAsync([wide])).Admitted);
        Assert.True((await AcquireAsync([wide])).Admitted);
        var full = await AcquireAsync([wide]);
        Assert.False(full.Admitted);
        Assert.Equal(0, full.RefusedIndex);
    }

    [Fact]
    public async Task AdmitWindows_SameKeyTwice_RefusedAlikeOnEveryStore()
    {
        // One counter named by two windows: each admission counts in it twice, and a refusal takes back both.
        var window = new RateLimitWindow(Key("rl-twice"), Limit: 3, LongWindow);

        Assert.True((await AcquireAsync([window, window])).Admitted);
        var refused = await AcquireAsync([window, window]);

        Assert.False(refused.Admitted);
        Assert.Equal(1, refused.RefusedIndex);
        Assert.InRange(refused.RetryAfter, TimeSpan.FromTicks(1), LongWindow);
        // The counter stands at 2: one more fits, alone.
        Assert.True((await AcquireAsync([window])).Admitted);
        Assert.False((await AcquireAsync([window])).Admitted);
    }

    [Fact]
    public async Task AdmitWindows_PermitsAboveLimit_RefusedWithRetryAfterInsideWindow()
    {
        var window = TimeSpan.FromSeconds(10);
        var outcome = await AcquireAsync([new RateLimitWindow(Key("rl-big"), Limit: 4, window, Permits: 5)]);

        Assert.False(outcome.Admitted);
        Assert.Equal(0, outcome.RefusedIndex);
        Assert.InRange(outcome.RetryAfter, TimeSpan.FromTicks(1), window);
    }

    [Fact]
    public async Task AdmitWindows_ParallelCallers_AdmitExactlyTheLimit()
    {
        var windows = new[] { new RateLimitWindow(Key("rl-parallel"), Limit: 10, LongWindow) };
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ =>
            Task.Run(async () => await AcquireAsync(windows))));

        Assert.Equal(10, outcomes.Count(o => o.Admitted));
        Assert.All(outcomes.Where(o => !o.Admitted), o => Assert.True(o.RetryAfter > TimeSpan.Zero));
    }

    [Fact]
    public async Task Admit_FreshNonce_StoresItReadsSwitchesAndCountsEveryWindow()
    {
        await Store.SetAsync(Key("switch-on"), "1", null);
        var request = Admission("fresh", [Key("switch-off"), Key("switch-on")], [new RateLimitWindow(Key("rl-a"), 5, LongWindow), new RateLimitWindow(Key("rl-b"), 5, LongWindow)]);

        var outcome = await Store.AdmitAsync(request);

        Assert.True(outcome.NonceFresh);
        Assert.False(outcome.IsSwitchOn(0));
        Assert.True(outcome.IsSwitchOn(1));
        Assert.Equal(2u, outcome.SwitchesOn);
        Assert.True(outcome.RateLimit.Admitted);
        Assert.Equal("ts-fresh", await Store.GetAsync(request.NonceKey));
        var remaining = await AcquireAsync([new RateLimitWindow(Key("rl-a"), 5, LongWindow, 4)]);
        Assert.True(remaining.Admitted);
        Assert.False((await AcquireAsync([new RateLimitWindow(Key("rl-b"), 5, LongWindow, 5)])).Admitted);
    }

    [Fact]
    public async Task Admit_ReplayedNonce_CountsNothingAndReadsNoSwitch()
    {
        await Store.SetAsync(Key("replay-switch"), "1", null);
        var window = new RateLimitWindow(Key("replay-rl"), 1, LongWindow);
        var request = Admission("replayed", [Key("replay-switch")], [window]);
        Assert.True((await Store.AdmitAsync(request)).NonceFresh);

        var replay = await Store.AdmitAsync(request);

        Assert.False(replay.NonceFresh);
        Assert.Equal(0u, replay.SwitchesOn);
        Assert.True(replay.RateLimit.Admitted);
        var other = await Store.AdmitAsync(Admission("another", [], [window]));
        Assert.True(other.NonceFresh);
        Assert.False(other.RateLimit.Admitted);
        Assert.Equal(0, other.RateLimit.RefusedIndex);
    }

    [Fact]
    public async Task Admit_OneWindowFull_RefusedByItAndCountsInNoWindow()
    {
        var wide = new RateLimitWindow(Key("adm-wide"), 10, LongWindow);
        var narrow = new RateLimitWindow(Key("adm-narrow"), 1, LongWindow);
        Assert.True((await Store.AdmitAsync(Admission("first", [], [wide, narrow]))).RateLimit.Admitted);

        var refused = await Store.AdmitAsync(Admission("second", [], [wide, narrow]));

        Assert.True(refused.NonceFresh);
        Assert.False(refused.RateLimit.Admitted);
        Assert.Equal(1, refused.RateLimit.RefusedIndex);
        Assert.InRange(refused.RateLimit.RetryAfter, TimeSpan.FromTicks(1), LongWindow);
        Assert.True((await AcquireAsync([wide with { Permits = 9 }])).Admitted);
    }

    [Fact]
    public async Task Admit_ParallelSameNonce_ExactlyOneFreshAndCountedOnce()
    {
        var window = new RateLimitWindow(Key("adm-par"), 100, LongWindow);
        var request = Admission("parallel", [], [window]);

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 32).Select(_ => Task.Run(async () => await Store.AdmitAsync(request))));

        Assert.Single(outcomes, o => o.NonceFresh);
        Assert.True((await AcquireAsync([window with { Permits = 99 }])).Admitted);
        Assert.False((await AcquireAsync([window])).Admitted);
    }

    [Fact]
    public async Task Admit_TooManySwitchKeys_Rejected()
    {
        var keys = Enumerable.Range(0, AdmissionRequest.MaxSwitchKeys + 1).Select(i => Key($"sw{i}")).ToArray();

        await Assert.ThrowsAsync<ArgumentException>(async () => await Store.AdmitAsync(Admission("many", keys, [])));
        Assert.Null(await Store.GetAsync(Key("nonce-many")));
    }

    [Fact]
    public async Task Admit_ThirtyTwoSwitchesAllOn_EveryBitSet()
    {
        var keys = Enumerable.Range(0, AdmissionRequest.MaxSwitchKeys).Select(i => Key($"all{i}")).ToArray();
        foreach (var key in keys)
        {
            await Store.SetAsync(key, "on", null);
        }

        var outcome = await Store.AdmitAsync(Admission("all-on", keys, []));

        Assert.Equal(uint.MaxValue, outcome.SwitchesOn);
    }

    [Fact]
    public async Task Admit_WithBudget_ReservedInTheSameStepOnlyForAFreshNonceWhoseWindowsAdmitted()
    {
        var budget = new BudgetReservation(Key("adm-budget"), 60, 100, LongWindow);
        var window = new RateLimitWindow(Key("adm-budget-rl"), 2, LongWindow);
        var first = Admission("budget-first", [], [window]) with { Budget = budget };

        var admitted = await Store.AdmitAsync(first);
        var replay = await Store.AdmitAsync(first);
        var refused = await Store.AdmitAsync(Admission("budget-second", [], [window]) with { Budget = budget });
        var limited = await Store.AdmitAsync(Admission("budget-third", [], [window]) with { Budget = budget with { Amount = 1 } });

        Assert.True(admitted.RateLimit.Admitted);
        Assert.True(admitted.Budget!.Value.Reserved);
        Assert.Equal((60L, 100L), (admitted.Budget.Value.Used, admitted.Budget.Value.Limit));
        Assert.InRange(admitted.Budget.Value.ResetsIn, TimeSpan.FromTicks(1), LongWindow);

        // A replay reserves nothing and is told nothing of the budget.
        Assert.False(replay.NonceFresh);
        Assert.Null(replay.Budget);

        // The budget cannot cover a second 60: refused as TryReserve refuses, the window still counted.
        Assert.True(refused.RateLimit.Admitted);
        Assert.False(refused.Budget!.Value.Reserved);
        Assert.Equal(60, refused.Budget.Value.Used);
        Assert.InRange(refused.Budget.Value.ResetsIn, TimeSpan.FromTicks(1), LongWindow);

        // The window is full: refused by it, and the budget is not asked.
        Assert.False(limited.RateLimit.Admitted);
        Assert.Null(limited.Budget);

        // Exactly 40 is left: only the first admission reserved.
        Assert.False((await Store.TryReserveAsync(budget.Key, 41, 100, LongWindow)).Reserved);
        Assert.True((await Store.TryReserveAsync(budget.Key, 40, 100, LongWindow)).Reserved);
    }

    [Fact]
    public async Task Admit_AmountsPastFourteenDigits_CountedExactly()
    {
        // A cost budget in micro-units and a run's counter can pass 10^14: each is counted as the exact integer sent.
        const long amount = 123_456_789_012_345_678 / 100; // 1,234,567,890,123,456: 16 digits
        var budget = new BudgetReservation(Key("adm-large-budget"), amount, 3 * amount, LongWindow);
        var counter = new CounterReservation(Key("adm-large-counter"), amount, 2 * amount, LongWindow);
        var window = new RateLimitWindow(Key("adm-large-rl"), 1_000_000_000_000_000, LongWindow, Permits: 999_999_999_999_999);

        var outcome = await Store.AdmitAsync(Admission("large-1", [], [window]) with { Budget = budget, Counters = [counter] });
        var second = await Store.AdmitAsync(Admission("large-2", [], [window]) with { Budget = budget, Counters = [counter] });

        Assert.True(outcome.RateLimit.Admitted && outcome.Budget!.Value.Reserved && outcome.Counters!.Reserved);
        Assert.Equal(amount, outcome.Budget.Value.Used);
        Assert.Equal([amount], outcome.Counters.Values);
        Assert.Equal(0, second.RateLimit.RefusedIndex);
        Assert.Equal(amount.ToString(System.Globalization.CultureInfo.InvariantCulture), await Store.GetAsync(counter.Key));
        Assert.Equal(2 * amount, await Store.SettleAsync(budget.Key, reserved: 0, actual: amount, LongWindow, outcome.Budget.Value.Slot));
    }

    [Fact]
    public async Task Admit_WithBudgetReleasedBySettlingToZero_BudgetWholeAgain()
    {
        var budget = new BudgetReservation(Key("adm-release"), 100, 100, LongWindow);
        var admitted = (await Store.AdmitAsync(Admission("release-1", [], []) with { Budget = budget })).Budget!.Value;
        Assert.True(admitted.Reserved);
        Assert.False((await Store.AdmitAsync(Admission("release-2", [], []) with { Budget = budget })).Budget!.Value.Reserved);

        Assert.Equal(0, await Store.SettleAsync(budget.Key, reserved: 100, actual: 0, LongWindow, admitted.Slot));

        Assert.True((await Store.AdmitAsync(Admission("release-3", [], []) with { Budget = budget })).Budget!.Value.Reserved);
    }

    [Fact]
    public async Task Admit_FiftyParallelAdmissionsWithBudget_NeverOverspend()
    {
        var budget = new BudgetReservation(Key("adm-par-budget"), 30, 1000, LongWindow);

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 50).Select(i =>
            Task.Run(async () => await Store.AdmitAsync(Admission("par-budget-" + i, [], []) with { Budget = budget }))));

        Assert.All(outcomes, o => Assert.True(o.NonceFresh));
        Assert.Equal(33, outcomes.Count(o => o.Budget!.Value.Reserved));
        Assert.Equal(990, outcomes.Where(o => o.Budget!.Value.Reserved).Max(o => o.Budget!.Value.Used));
        Assert.All(outcomes, o => Assert.True(o.Budget!.Value.Used <= 1000));
        Assert.True((await Store.TryReserveAsync(budget.Key, 10, 1000, LongWindow)).Reserved);
        Assert.False((await Store.TryReserveAsync(budget.Key, 1, 1000, LongWindow)).Reserved);
    }

    [Fact]
    public async Task Settle_FiftyParallelSettles_EachCountedOnce()
    {
        var key = Key("par-settle");
        var reserved = await Store.TryReserveAsync(key, 1000, 1000, LongWindow);
        Assert.True(reserved.Reserved);

        await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => Task.Run(async () => await Store.SettleAsync(key, reserved: 20, actual: 10, LongWindow, reserved.Slot))));

        Assert.True((await Store.TryReserveAsync(key, 500, 1000, LongWindow)).Reserved);
        Assert.False((await Store.TryReserveAsync(key, 1, 1000, LongWindow)).Reserved);
    }

    [Fact]
    public async Task TryReserve_FiftyParallelReservers_NeverOverspend()
    {
        var key = Key("budget");
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ =>
            Task.Run(async () => await Store.TryReserveAsync(key, 30, 1000, LongWindow))));

        var reserved = outcomes.Count(o => o.Reserved);
        Assert.Equal(33, reserved);
        Assert.Equal(990, outcomes.Where(o => o.Reserved).Max(o => o.Used));
        Assert.All(outcomes, o => Assert.True(o.Used <= o.Limit));
        Assert.All(outcomes, o => Assert.Equal(1000, o.Limit));
        Assert.All(outcomes, o => Assert.InRange(o.ResetsIn, TimeSpan.FromTicks(1), LongWindow));

        var last = await Store.TryReserveAsync(key, 10, 1000, LongWindow);
        Assert.True(last.Reserved);
        Assert.Equal(1000, last.Used);
    }

    [Fact]
    public async Task Settle_RefundAndOverRefund_ReducesUseAndClampsAtZero()
    {
        var key = Key("settle");
        var reserved = await Store.TryReserveAsync(key, 100, 150, LongWindow);
        Assert.True(reserved.Reserved);
        Assert.False((await Store.TryReserveAsync(key, 100, 150, LongWindow)).Reserved);

        Assert.Equal(40, await Store.SettleAsync(key, reserved: 100, actual: 40, LongWindow, reserved.Slot));
        Assert.Equal(0, await Store.SettleAsync(key, reserved: 100, actual: 0, LongWindow, reserved.Slot));

        var after = await Store.TryReserveAsync(key, 150, 150, LongWindow);
        Assert.True(after.Reserved);
        Assert.Equal(150, after.Used);
        Assert.Equal(170, await Store.SettleAsync(key, reserved: 10, actual: 30, LongWindow, after.Slot));
    }
}
