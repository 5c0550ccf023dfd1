using System.Collections.Concurrent;
using System.Text;

namespace Gateway.Store.Tests;

/// <summary>
/// The one behavioural contract of <see cref="IStateStore"/>. Every implementation runs these facts
/// through a derived class; keys are unique per test so that instances may share a server.
/// </summary>
public abstract partial class StateStoreContractTests
{
    private static readonly TimeSpan LongWindow = TimeSpan.FromHours(1);

    // Long enough that the calls made before it passes finish first even on a loaded machine.
    private static readonly TimeSpan ShortExpiry = TimeSpan.FromMilliseconds(1500);
    private static readonly TimeSpan PastShortExpiry = TimeSpan.FromMilliseconds(2000);
    // One hash tag per test, as the gateway's {tenant}: the Redis store batches admissions per tag.
    private readonly string _prefix = $"{{test-{Guid.NewGuid():N}}}:";

    protected abstract IStateStore Store { get; }

    protected string Key(string name) => _prefix + name;

    /// <summary>Acquires <paramref name="windows"/> through an admission with a fresh nonce and no kill switches (the only way the gateway acquires them).</summary>
    private async Task<RateLimitOutcome> AcquireAsync(IReadOnlyList<RateLimitWindow> windows) =>
        (await Store.AdmitAsync(new AdmissionRequest(Key("acquire-nonce:" + Guid.NewGuid().ToString("N")), "0", TimeSpan.FromMinutes(1), [], windows))).RateLimit;

    [Fact]
    public async Task TrySetIfAbsent_ManyParallelCallers_ExactlyOneWins()
    {
        var key = Key("nonce");
        var results = await Task.WhenAll(Enumerable.Range(0, 64).Select(i =>
            Task.Run(async () => await Store.TrySetIfAbsentAsync(key, $"caller-{i}", TimeSpan.FromMinutes(1)))));

        Assert.Single(results, won => won);
        var winner = Array.IndexOf(results, true);
        Assert.Equal($"caller-{winner}", await Store.GetAsync(key));
    }

    [Fact]
    public async Task TrySetIfAbsent_AfterExpiry_StoresAgain()
    {
        var key = Key("expiring");
        Assert.True(await Store.TrySetIfAbsentAsync(key, "first", ShortExpiry));
        Assert.False(await Store.TrySetIfAbsentAsync(key, "second", ShortExpiry));

        await Task.Delay(PastShortExpiry);

        Assert.Null(await Store.GetAsync(key));
        Assert.True(await Store.TrySetIfAbsentAsync(key, "third", TimeSpan.FromMinutes(1)));
        Assert.Equal("third", await Store.GetAsync(key));
    }

    [Fact]
    public async Task Get_MissingKey_ReturnsNull()
    {
        Assert.Null(await Store.GetAsync(Key("missing")));
    }

    [Fact]
    public async Task Set_ExistingKey_ReplacesValueAndKeepsUnicode()
    {
        var key = Key("value");
        await Store.SetAsync(key, "old", null);
        await Store.SetAsync(key, "nouvelle valeur — ✓ 日本\r\n", null);

        Assert.Equal("nouvelle valeur — ✓ 日本\r\n", await Store.GetAsync(key));
    }

    [Fact]
    public async Task Set_WithExpiry_ExpiresWhileWithoutExpiryPersists()
    {
        await Store.SetAsync(Key("short"), "gone soon", ShortExpiry);
        await Store.SetAsync(Key("forever"), "stays", null);

        await Task.Delay(PastShortExpiry);

        Assert.Null(await Store.GetAsync(Key("short")));
        Assert.Equal("stays", await Store.GetAsync(Key("forever")));
    }

    [Fact]
    public async Task Delete_ExistingThenMissing_ReportsWhetherItExisted()
    {
        var key = Key("doomed");
        await Store.SetAsync(key, "v", null);

        Assert.True(await Store.DeleteAsync(key));
        Assert.False(await Store.DeleteAsync(key));
        Assert.Null(await Store.GetAsync(key));
    }

    [Fact]
    public async Task Take_ConcurrentCallers_ExactlyOneReceivesTheValue()
    {
        for (var round = 0; round < 5; round++)
        {
            var key = Key($"approval-{round}");
            await Store.SetAsync(key, "grant", TimeSpan.FromMinutes(1));

            var taken = await Task.WhenAll(Enumerable.Range(0, 32).Select(_ =>
                Task.Run(async () => await Store.TakeAsync(key))));

            Assert.Single(taken, value => value == "grant");
            Assert.Equal(31, taken.Count(value => value is null));
            Assert.Null(await Store.GetAsync(key));
        }
    }

    [Fact]
    public async Task Take_MissingKey_ReturnsNull()
    {
        Assert.Null(await Store.TakeAsync(Key("never-set")));
    }

    [Fact]
    public async Task Increment_ParallelDeltas_ReturnsExactSum()
    {
        var key = Key("counter");
        await Task.WhenAll(Enumerable.Range(0, 100).Select(_ =>
            Task.Run(async () => await Store.IncrementAsync(key, 3, null))));

        Assert.Equal(300, await Store.IncrementAsync(key, 0, null));
        Assert.Equal(-50, await Store.IncrementAsync(key, -350, null));
    }

    [Fact]
    public async Task Increment_ExpirySetOnlyWhenCreated_CounterRestartsAfterIt()
    {
        var key = Key("expiring-counter");
        Assert.Equal(1, await Store.IncrementAsync(key, 1, ShortExpiry));
        Assert.Equal(2, await Store.IncrementAsync(key, 1, TimeSpan.FromMinutes(10)));

        await Task.Delay(PastShortExpiry);

        Assert.Equal(1, await Store.IncrementAsync(key, 1, TimeSpan.FromMinutes(10)));
    }

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
        Assert.Equal(2 * amount, await Store.SettleAsync(budget.Key, reserved: 0, actual: amount, LongWindow));
    }

    [Fact]
    public async Task Admit_WithBudgetReleasedBySettlingToZero_BudgetWholeAgain()
    {
        var budget = new BudgetReservation(Key("adm-release"), 100, 100, LongWindow);
        Assert.True((await Store.AdmitAsync(Admission("release-1", [], []) with { Budget = budget })).Budget!.Value.Reserved);
        Assert.False((await Store.AdmitAsync(Admission("release-2", [], []) with { Budget = budget })).Budget!.Value.Reserved);

        Assert.Equal(0, await Store.SettleAsync(budget.Key, reserved: 100, actual: 0, LongWindow));

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
        Assert.True((await Store.TryReserveAsync(key, 1000, 1000, LongWindow)).Reserved);

        await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => Task.Run(async () => await Store.SettleAsync(key, reserved: 20, actual: 10, LongWindow))));

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
        Assert.True((await Store.TryReserveAsync(key, 100, 150, LongWindow)).Reserved);
        Assert.False((await Store.TryReserveAsync(key, 100, 150, LongWindow)).Reserved);

        Assert.Equal(40, await Store.SettleAsync(key, reserved: 100, actual: 40, LongWindow));
        Assert.Equal(0, await Store.SettleAsync(key, reserved: 100, actual: 0, LongWindow));

        var after = await Store.TryReserveAsync(key, 150, 150, LongWindow);
        Assert.True(after.Reserved);
        Assert.Equal(150, after.Used);
        Assert.Equal(170, await Store.SettleAsync(key, reserved: 10, actual: 30, LongWindow));
    }

    [Fact]
    public async Task SetAdd_RepeatedMembers_CountsDistinctAndListsSorted()
    {
        var key = Key("approvers");
        var counts = new ConcurrentBag<long>();
        await Task.WhenAll(Enumerable.Range(0, 30).Select(i =>
            Task.Run(async () => counts.Add(await Store.SetAddAsync(key, $"user-{i % 3}", TimeSpan.FromMinutes(1))))));

        Assert.Equal(3, counts.Max());
        Assert.Equal(3, await Store.SetAddAsync(key, "user-1", null));
        Assert.Equal(["user-0", "user-1", "user-2"], await Store.SetMembersAsync(key));
    }

    [Fact]
    public async Task SetAdd_WithExpiry_SetVanishesAfterIt()
    {
        var key = Key("votes");
        Assert.Equal(1, await Store.SetAddAsync(key, "a", ShortExpiry));
        Assert.Equal(2, await Store.SetAddAsync(key, "b", TimeSpan.FromMinutes(10)));

        await Task.Delay(PastShortExpiry);

        Assert.Empty(await Store.SetMembersAsync(key));
        Assert.Equal(1, await Store.SetAddAsync(key, "c", null));
    }

    [Fact]
    public async Task SetMembers_MissingSet_ReturnsEmpty()
    {
        Assert.Empty(await Store.SetMembersAsync(Key("no-set")));
    }

    [Fact]
    public async Task TryAppend_StaleExpectedLength_ReturnsFalseAndAppendsNothing()
    {
        var log = Key("log");
        Assert.True(await Store.TryAppendAsync(log, 0, "genesis"));
        Assert.False(await Store.TryAppendAsync(log, 0, "stale"));
        Assert.False(await Store.TryAppendAsync(log, 2, "ahead"));

        Assert.Equal(1, await Store.LogLengthAsync(log));
        Assert.Equal(["genesis"], await Store.ReadLogAsync(log, 0, 10));
    }

    [Fact]
    public async Task TryAppend_ParallelAppendersWithRetry_ProduceGapFreeOrderedLog()
    {
        const int Writers = 8;
        const int EntriesEach = 10;
        var log = Key("audit");
        await Task.WhenAll(Enumerable.Range(0, Writers).Select(writer => Task.Run(async () =>
        {
            for (var i = 0; i < EntriesEach; i++)
            {
                while (true)
                {
                    var length = await Store.LogLengthAsync(log);
                    if (await Store.TryAppendAsync(log, length, $"{writer}:{i}:{length}"))
                    {
                        break;
                    }
                }
            }
        })));

        Assert.Equal(Writers * EntriesEach, await Store.LogLengthAsync(log));
        var entries = await Store.ReadLogAsync(log, 0, Writers * EntriesEach + 5);
        Assert.Equal(Writers * EntriesEach, entries.Count);
        for (var index = 0; index < entries.Count; index++)
        {
            // Each entry was written knowing its own index: no gaps, no reordering.
            Assert.EndsWith($":{index}", entries[index], StringComparison.Ordinal);
        }

        foreach (var writer in Enumerable.Range(0, Writers))
        {
            var own = entries.Where(e => e.StartsWith($"{writer}:", StringComparison.Ordinal))
                .Select(e => int.Parse(e.Split(':')[1], System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(Enumerable.Range(0, EntriesEach), own);
        }
    }

    [Fact]
    public async Task TryAppendMany_AtExpectedLength_AppendsAllInOrderElseNone()
    {
        var log = Key("group-log");
        Assert.True(await Store.TryAppendAsync(log, 0, "first"));

        Assert.False(await Store.TryAppendAsync(log, 0, [.. new[] { "stale-a", "stale-b" }.Select(Encoding.UTF8.GetBytes)]));
        Assert.True(await Store.TryAppendAsync(log, 1, [.. new[] { "second", "third", "fourth" }.Select(Encoding.UTF8.GetBytes)]));

        Assert.Equal(4, await Store.LogLengthAsync(log));
        Assert.Equal(["first", "second", "third", "fourth"], await Store.ReadLogAsync(log, 0, 10));
        Assert.Equal(["third", "fourth"], await Store.ReadLogAsync(log, 2, 10));
    }

    [Fact]
    public async Task TryAppendWithFields_AtExpectedLength_SetsAbsentFieldsWithTheEntriesElseNothing()
    {
        var log = Key("explained-log");
        var hash = Key("explanations");
        Assert.True(await Store.TryAppendAsync(log, 0, [Encoding.UTF8.GetBytes("first")], hash, [KeyValuePair.Create("d1", Encoding.UTF8.GetBytes("{\"v\":1}"))]));

        Assert.False(await Store.TryAppendAsync(log, 0, [Encoding.UTF8.GetBytes("stale")], hash, [KeyValuePair.Create("d2", Encoding.UTF8.GetBytes("stale"))]));
        Assert.True(await Store.TryAppendAsync(log, 1, [Encoding.UTF8.GetBytes("second")], hash, [KeyValuePair.Create("d1", Encoding.UTF8.GetBytes("replaced")), KeyValuePair.Create("d3", Encoding.UTF8.GetBytes("ünï"))]));

        Assert.Equal(["first", "second"], await Store.ReadLogAsync(log, 0, 10));
        Assert.Equal("{\"v\":1}", await Store.HashGetAsync(hash, "d1"));
        Assert.Null(await Store.HashGetAsync(hash, "d2"));
        Assert.Equal("ünï", await Store.HashGetAsync(hash, "d3"));
        Assert.Equal(2, await Store.HashLengthAsync(hash));
        Assert.Equal(0, await Store.HashLengthAsync(Key("no-such-hash")));
    }

    [Fact]
    public async Task TryAppendWithCompanionLog_AtExpectedLength_AppendsBothElseNeither()
    {
        var log = Key("receipted-log");
        var companion = Key("receipt-batches");
        var hash = Key("receipted-explanations");
        Assert.True(await Store.TryAppendAsync(log, 0, [Encoding.UTF8.GetBytes("first")], null, [], companion, [Encoding.UTF8.GetBytes("batch-1")]));

        Assert.False(await Store.TryAppendAsync(log, 0, [Encoding.UTF8.GetBytes("stale")], hash, [KeyValuePair.Create("d", Encoding.UTF8.GetBytes("stale"))], companion, [Encoding.UTF8.GetBytes("stale-batch")]));
        Assert.True(await Store.TryAppendAsync(log, 1, [Encoding.UTF8.GetBytes("second"), Encoding.UTF8.GetBytes("third")], hash, [KeyValuePair.Create("d", Encoding.UTF8.GetBytes("ünï"))], companion, [Encoding.UTF8.GetBytes("batch-2"), Encoding.UTF8.GetBytes("batch-3")]));
        Assert.True(await Store.TryAppendAsync(log, 3, [Encoding.UTF8.GetBytes("fourth")], null, [], companion, []));

        Assert.Equal(["first", "second", "third", "fourth"], await Store.ReadLogAsync(log, 0, 10));
        Assert.Equal(["batch-1", "batch-2", "batch-3"], await Store.ReadLogAsync(companion, 0, 10));
        Assert.Equal(["batch-3"], await Store.ReadLogAsync(companion, 2, 10));
        Assert.Equal("ünï", await Store.HashGetAsync(hash, "d"));
    }

    [Fact]
    public async Task ReadLog_Ranges_ReturnRequestedSlices()
    {
        var log = Key("ranges");
        for (var i = 0; i < 10; i++)
        {
            Assert.True(await Store.TryAppendAsync(log, i, $"entry-{i}"));
        }

        Assert.Equal(["entry-0", "entry-1", "entry-2"], await Store.ReadLogAsync(log, 0, 3));
        Assert.Equal(["entry-4", "entry-5"], await Store.ReadLogAsync(log, 4, 2));
        Assert.Equal(["entry-7", "entry-8", "entry-9"], await Store.ReadLogAsync(log, 7, 100));
        Assert.Empty(await Store.ReadLogAsync(log, 10, 5));
        Assert.Empty(await Store.ReadLogAsync(log, 3, 0));
        await Assert.ThrowsAnyAsync<ArgumentOutOfRangeException>(async () => await Store.ReadLogAsync(log, -1, 1));
    }

    [Fact]
    public async Task LogLengthAndReadLog_MissingLog_ReturnZeroAndEmpty()
    {
        Assert.Equal(0, await Store.LogLengthAsync(Key("no-log")));
        Assert.Empty(await Store.ReadLogAsync(Key("no-log"), 0, 10));
    }

    [Fact]
    public async Task Ping_HealthyStore_Completes()
    {
        await Store.PingAsync();
    }

    [Fact]
    public async Task Get_CancelledToken_ThrowsOperationCanceled()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await Store.GetAsync(Key("x"), cancelled.Token));
    }

    [Fact]
    public async Task Admit_WithToken_RecordsItReadsGenerationsAndUsesAPresentedRecordOnce()
    {
        string tenant = Key("gen-tenant"), agent = Key("gen-agent");
        await Store.IncrementAsync(agent, 3, expiry: null);

        var recorded = await Store.AdmitAsync(WithToken("token-first", "token:a"));
        Assert.Equal([0L, 3L], recorded.Token!.Generations);
        Assert.Equal(TokenConsumption.NotAsked, recorded.Token.Consumption);
        Assert.Equal(TokenRecording.Issued, await Store.GetAsync(Key("token:a")));

        var used = await Store.AdmitAsync(WithToken("token-use", "token:b", consume: "token:a"));
        Assert.Equal(TokenConsumption.Consumed, used.Token!.Consumption);
        Assert.Equal(TokenRecording.Used, await Store.GetAsync(Key("token:a")));
        Assert.Equal(TokenRecording.Issued, await Store.GetAsync(Key("token:b")));

        Assert.Equal(TokenConsumption.AlreadyUsed, (await Store.AdmitAsync(WithToken("token-again", "token:c", consume: "token:a"))).Token!.Consumption);
        Assert.Equal(TokenConsumption.NotRecorded, (await Store.AdmitAsync(WithToken("token-unknown", "token:d", consume: "token:never"))).Token!.Consumption);

        await Store.IncrementAsync(tenant, 1, expiry: null);
        Assert.Equal([1L, 3L], (await Store.AdmitAsync(WithToken("token-later", "token:e"))).Token!.Generations);
        Assert.Equal([TokenRecording.Used, "1", "3", null], await Store.GetManyAsync([Key("token:a"), tenant, agent, Key("absent")]));

        AdmissionRequest WithToken(string nonce, string record, string? consume = null) => Admission(nonce, [], []) with
        {
            Token = new TokenRecording(Key(record), TimeSpan.FromMinutes(5), [tenant, agent]) { ConsumeKey = consume is null ? null : Key(consume) },
        };
    }

    [Fact]
    public async Task Admit_WithTokenReplayedOrRefused_RecordsAndUsesNothing()
    {
        var presented = Key("token:presented");
        Assert.NotNull((await Store.AdmitAsync(Admission("token-seed", [], []) with { Token = Token("token:presented") })).Token);
        var window = new RateLimitWindow(Key("token-rl"), 1, LongWindow);
        var first = Admission("token-first", [], [window]) with { Token = Token("token:first") };
        Assert.NotNull((await Store.AdmitAsync(first)).Token);

        var replay = await Store.AdmitAsync(first with { Token = Token("token:replay", presented) });
        var limited = await Store.AdmitAsync(Admission("token-limited", [], [window]) with { Token = Token("token:limited", presented) });
        var overBudget = await Store.AdmitAsync(Admission("token-budget", [], []) with
        {
            Budget = new BudgetReservation(Key("token-budget"), 60, 10, LongWindow),
            Token = Token("token:budget", presented),
        });

        Assert.Null(replay.Token);
        Assert.Null(limited.Token);
        Assert.False(overBudget.Budget!.Value.Reserved);
        Assert.Null(overBudget.Token);
        Assert.Equal([TokenRecording.Issued, null, null, null], await Store.GetManyAsync([presented, Key("token:replay"), Key("token:limited"), Key("token:budget")]));

        TokenRecording Token(string record, string? consume = null) =>
            new(Key(record), TimeSpan.FromMinutes(5), [Key("gen")]) { ConsumeKey = consume };
    }

    [Fact]
    public async Task Admit_TokenRecord_ExpiresWithItsLifetimeAndKeepsItWhenUsed()
    {
        var token = new TokenRecording(Key("token:short"), ShortExpiry, []);
        Assert.NotNull((await Store.AdmitAsync(Admission("token-short", [], []) with { Token = token })).Token);
        Assert.Equal(TokenConsumption.Consumed, (await Store.AdmitAsync(Admission("token-short-use", [], []) with
        {
            Token = new TokenRecording(Key("token:other"), TimeSpan.FromMinutes(5), []) { ConsumeKey = token.RecordKey },
        })).Token!.Consumption);

        await Task.Delay(PastShortExpiry);

        Assert.Null(await Store.GetAsync(token.RecordKey));
        Assert.Equal(TokenRecording.Issued, await Store.GetAsync(Key("token:other")));
    }

    [Fact]
    public async Task Admit_TooManyGenerationKeys_Rejected()
    {
        var token = new TokenRecording(Key("token:many"), TimeSpan.FromMinutes(5), [.. Enumerable.Range(0, TokenRecording.MaxGenerationKeys + 1).Select(i => Key("gen-" + i))]);

        await Assert.ThrowsAsync<ArgumentException>(async () => await Store.AdmitAsync(Admission("token-many", [], []) with { Token = token }));
    }

    [Fact]
    public async Task Admit_TokenRecordAlreadyStored_KeepsItsValueAndExpiry()
    {
        var record = Key("token:again");
        Assert.NotNull((await Store.AdmitAsync(Admission("token-again-first", [], []) with { Token = new TokenRecording(record, ShortExpiry, []) })).Token);
        Assert.Equal(TokenConsumption.Consumed, (await Store.AdmitAsync(Admission("token-again-use", [], []) with
        {
            Token = new TokenRecording(Key("token:again-user"), TimeSpan.FromMinutes(5), []) { ConsumeKey = record },
        })).Token!.Consumption);

        // Recorded again (SET NX): a used record is not made issued again, nor does it live longer.
        Assert.NotNull((await Store.AdmitAsync(Admission("token-again-second", [], []) with { Token = new TokenRecording(record, TimeSpan.FromMinutes(5), []) })).Token);
        Assert.Equal(TokenRecording.Used, await Store.GetAsync(record));

        await Task.Delay(PastShortExpiry);

        Assert.Null(await Store.GetAsync(record));
    }

    [Fact]
    public async Task Admit_WithTokenAndReservedBudget_RecordsReadsAndUsesInTheSameStep()
    {
        var presented = Key("token:budget-presented");
        var generation = Key("token:budget-gen");
        await Store.IncrementAsync(generation, 7, expiry: null);
        Assert.NotNull((await Store.AdmitAsync(Admission("token-budget-seed", [], []) with { Token = new TokenRecording(presented, TimeSpan.FromMinutes(5), []) })).Token);

        var outcome = await Store.AdmitAsync(Admission("token-budget-reserved", [], [new RateLimitWindow(Key("token-budget-rl"), 5, LongWindow)]) with
        {
            Budget = new BudgetReservation(Key("token-budget-ok"), 60, 100, LongWindow),
            Token = new TokenRecording(Key("token:budget-recorded"), TimeSpan.FromMinutes(5), [generation, Key("token:budget-gen-absent")]) { ConsumeKey = presented },
        });

        Assert.True(outcome.Budget!.Value.Reserved);
        Assert.Equal([7L, 0L], outcome.Token!.Generations);
        Assert.Equal(TokenConsumption.Consumed, outcome.Token.Consumption);
        Assert.Equal([TokenRecording.Used, TokenRecording.Issued], await Store.GetManyAsync([presented, Key("token:budget-recorded")]));
    }

    [Fact]
    public async Task Admit_TokenLifetimeNotPositive_RejectedBeforeTheNonceIsSpent()
    {
        var request = Admission("token-no-lifetime", [], []) with { Token = new TokenRecording(Key("token:no-lifetime"), TimeSpan.Zero, []) };

        await Assert.ThrowsAnyAsync<ArgumentException>(async () => await Store.AdmitAsync(request));

        Assert.True(await Store.TrySetIfAbsentAsync(request.NonceKey, "0", TimeSpan.FromMinutes(1)));
        Assert.Null(await Store.GetAsync(Key("token:no-lifetime")));
    }

    [Fact]
    public async Task GetMany_TextCountersAndAbsentKeys_ValuesInOrderWithNulls()
    {
        await Store.SetAsync(Key("many:text"), "nouvelle valeur ✓", null);
        await Store.IncrementAsync(Key("many:counter"), 42, expiry: null);
        await Store.SetAsync(Key("many:expired"), "gone", ShortExpiry);

        Assert.Empty(await Store.GetManyAsync([]));
        Assert.Equal(["42", null, "nouvelle valeur ✓", "42", "gone"],
            await Store.GetManyAsync([Key("many:counter"), Key("many:absent"), Key("many:text"), Key("many:counter"), Key("many:expired")]));

        await Task.Delay(PastShortExpiry);

        Assert.Equal([null, "nouvelle valeur ✓"], await Store.GetManyAsync([Key("many:expired"), Key("many:text")]));
    }

    private AdmissionRequest Admission(string nonce, IReadOnlyList<string> switches, IReadOnlyList<RateLimitWindow> windows) =>
        new(Key("nonce-" + nonce), "ts-" + nonce, TimeSpan.FromMinutes(5), switches, windows);
}
