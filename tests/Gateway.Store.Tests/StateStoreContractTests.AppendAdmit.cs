using System.Text;

namespace Gateway.Store.Tests;

/// <summary>
/// The contract's append that admits (<see cref="IAuditLogStore.TryAppendAdmittingAsync"/>, #71): an audit group and its
/// requests' admissions in one atomic step, nothing admitted unless appended, each outcome what the admission alone answers.
/// </summary>
public abstract partial class StateStoreContractTests
{
    [Fact]
    public async Task TryAppendAdmitting_FreshAdmissions_AppendsAndAdmitsInOneCall()
    {
        await Store.SetAsync(Key("aa-switch"), "on", null);
        var first = Admission("aa-1", [Key("aa-switch"), Key("aa-switch-off")], [new RateLimitWindow(Key("aa-rl"), 5, LongWindow)]);
        var second = Admission("aa-2", [], [new RateLimitWindow(Key("aa-rl"), 5, LongWindow, Permits: 2)]);

        var result = await Store.TryAppendAdmittingAsync(
            Key("aa-log"), 0, [Bytes("line-1"), Bytes("line-2")], Key("aa-hash"), [KeyValuePair.Create("digest", Bytes("explained"))],
            Key("aa-receipts"), [Bytes("batch-1")], [first, second], []);

        Assert.True(result.Appended);
        Assert.Equal(2, result.Outcomes.Count);
        Assert.True(result.Outcomes[0].NonceFresh);
        Assert.Equal(1u, result.Outcomes[0].SwitchesOn);
        Assert.True(result.Outcomes[0].RateLimit.Admitted);
        Assert.True(result.Outcomes[1].NonceFresh);
        Assert.True(result.Outcomes[1].RateLimit.Admitted);
        Assert.Equal(["line-1", "line-2"], await Store.ReadLogAsync(Key("aa-log"), 0, 10));
        Assert.Equal("explained", await Store.HashGetAsync(Key("aa-hash"), "digest"));
        Assert.Equal(["batch-1"], await Store.ReadLogAsync(Key("aa-receipts"), 0, 10));
        Assert.Equal("ts-aa-1", await Store.GetAsync(first.NonceKey));

        // Three of the window's five permits were taken by the two admissions.
        Assert.True((await AcquireAsync([new RateLimitWindow(Key("aa-rl"), 5, LongWindow, Permits: 2)])).Admitted);
        Assert.False((await AcquireAsync([new RateLimitWindow(Key("aa-rl"), 5, LongWindow)])).Admitted);
    }

    [Fact]
    public async Task TryAppendAdmitting_LengthConflict_AppendsAndAdmitsNothing()
    {
        var log = Key("aa-conflict-log");
        Assert.True(await Store.TryAppendAsync(log, 0, "genesis"));
        var request = Admission("aa-conflict", [], [new RateLimitWindow(Key("aa-conflict-rl"), 1, LongWindow)]) with
        {
            Counters = [new CounterReservation(Key("aa-conflict-counter"), 1, 1, LongWindow)],
            Budget = new BudgetReservation(Key("aa-conflict-budget"), 10, 10, LongWindow),
        };

        var result = await Store.TryAppendAdmittingAsync(log, 0, [Bytes("stale")], null, [], null, [], [request], []);

        Assert.False(result.Appended);
        Assert.Empty(result.Outcomes);
        Assert.Equal(["genesis"], await Store.ReadLogAsync(log, 0, 10));
        Assert.Null(await Store.GetAsync(request.NonceKey));

        // Nothing was counted: the same request admitted alone takes the window's, the counter's and the budget's whole limit.
        var alone = await Store.AdmitAsync(request);
        Assert.True(alone.NonceFresh);
        Assert.True(alone.RateLimit.Admitted);
        Assert.True(alone.Counters!.Reserved);
        Assert.True(alone.Budget!.Value.Reserved);
    }

    [Fact]
    public async Task TryAppendAdmitting_ReplayedNonces_NotFreshAndTheAppendStillMade()
    {
        var spent = Admission("aa-spent", [], []);
        Assert.True((await Store.AdmitAsync(spent)).NonceFresh);
        var twice = Admission("aa-twice", [], [new RateLimitWindow(Key("aa-twice-rl"), 5, LongWindow)]);

        var result = await Store.TryAppendAdmittingAsync(Key("aa-replay-log"), 0, [Bytes("decision")], null, [], null, [], [spent, twice, twice], []);

        Assert.True(result.Appended);
        Assert.Equal([false, true, false], result.Outcomes.Select(o => o.NonceFresh));
        Assert.Equal(["decision"], await Store.ReadLogAsync(Key("aa-replay-log"), 0, 10));
    }

    [Fact]
    public async Task TryAppendAdmitting_WindowsCountersBudgetAndToken_OutcomesEqualAdmitAsyncAlone()
    {
        // The same four requests on two copies of the same state: admitted one by one alone, and in one append.
        await Store.IncrementAsync(Key("alone:gen"), 3, expiry: null);
        await Store.IncrementAsync(Key("append:gen"), 3, expiry: null);
        var alone = new List<AdmissionOutcome>();
        foreach (var request in Requests("alone"))
        {
            alone.Add(await Store.AdmitAsync(request));
        }

        var result = await Store.TryAppendAdmittingAsync(Key("aa-same-log"), 0, [Bytes("decisions")], null, [], null, [], Requests("append"), []);

        Assert.True(result.Appended);
        Assert.Equal(alone.Count, result.Outcomes.Count);
        for (var i = 0; i < alone.Count; i++)
        {
            var (expected, actual) = (alone[i], result.Outcomes[i]);
            Assert.Equal(expected.NonceFresh, actual.NonceFresh);
            Assert.Equal(expected.SwitchesOn, actual.SwitchesOn);
            Assert.Equal(expected.RateLimit.Admitted, actual.RateLimit.Admitted);
            Assert.Equal(expected.RateLimit.RefusedIndex, actual.RateLimit.RefusedIndex);
            Assert.Equal(expected.Counters?.RefusedIndex, actual.Counters?.RefusedIndex);
            Assert.Equal(expected.Counters?.Values, actual.Counters?.Values);
            Assert.Equal(expected.Budget?.Reserved, actual.Budget?.Reserved);
            Assert.Equal(expected.Budget?.Used, actual.Budget?.Used);
            Assert.Equal(expected.Token?.Generations, actual.Token?.Generations);
            Assert.Equal(expected.Token?.Consumption, actual.Token?.Consumption);
        }

        // Admitted; counter refused (nothing else reserved); window refused; budget refused (no token then).
        Assert.True(alone[0].Budget!.Value.Reserved);
        Assert.Equal([3L, 0L], alone[0].Token!.Generations);
        Assert.False(alone[1].Counters!.Reserved);
        Assert.Null(alone[1].Budget);
        Assert.False(alone[2].RateLimit.Admitted);
        Assert.False(alone[3].Budget!.Value.Reserved);
        Assert.Null(alone[3].Token);
        Assert.Equal([TokenRecording.Issued, null], await Store.GetManyAsync([Key("append:token-0"), Key("append:token-1")]));

        IReadOnlyList<AdmissionRequest> Requests(string copy)
        {
            var window = new RateLimitWindow(Key(copy + ":rl"), 2, LongWindow);
            var counter = new CounterReservation(Key(copy + ":counter"), 2, 3, LongWindow);
            var budget = new BudgetReservation(Key(copy + ":budget"), 60, 100, LongWindow);
            AdmissionRequest Request(int i, IReadOnlyList<RateLimitWindow> windows, IReadOnlyList<CounterReservation> counters) =>
                new(Key($"{copy}:nonce-{i}"), "ts", TimeSpan.FromMinutes(5), [], windows)
                {
                    Counters = counters,
                    Budget = budget,
                    Token = new TokenRecording(Key($"{copy}:token-{i}"), TimeSpan.FromMinutes(5), [Key(copy + ":gen"), Key(copy + ":gen-absent")]),
                };

            return [Request(0, [window], [counter]), Request(1, [window], [counter]), Request(2, [window], []), Request(3, [], [])];
        }
    }

    [Fact]
    public async Task TryAppendAdmitting_AdmissionOfAnotherHashTag_AdmittedAfterTheAppend()
    {
        var other = $"{{other-{Guid.NewGuid():N}}}:";
        var elsewhere = new AdmissionRequest(other + "nonce", "ts-elsewhere", TimeSpan.FromMinutes(5), [], [new RateLimitWindow(other + "rl", 1, LongWindow)]);
        var here = Admission("aa-here", [], []);

        var result = await Store.TryAppendAdmittingAsync(Key("aa-tag-log"), 0, [Bytes("decision")], null, [], null, [], [elsewhere, here], []);

        Assert.True(result.Appended);
        Assert.True(result.Outcomes[0].NonceFresh);
        Assert.True(result.Outcomes[0].RateLimit.Admitted);
        Assert.True(result.Outcomes[1].NonceFresh);
        Assert.Equal("ts-elsewhere", await Store.GetAsync(elsewhere.NonceKey));
        Assert.False((await Store.AdmitAsync(elsewhere)).NonceFresh);
    }

    [Fact]
    public async Task TryAppendAdmitting_InvalidAdmission_RejectedBeforeAnythingIsWritten()
    {
        var bad = Admission("aa-bad", [.. Enumerable.Range(0, AdmissionRequest.MaxSwitchKeys + 1).Select(i => Key("s" + i))], []);

        await Assert.ThrowsAsync<ArgumentException>(async () =>
            await Store.TryAppendAdmittingAsync(Key("aa-bad-log"), 0, [Bytes("decision")], null, [], null, [], [Admission("aa-good", [], []), bad], []));

        Assert.Equal(0, await Store.LogLengthAsync(Key("aa-bad-log")));
        Assert.Null(await Store.GetAsync(Key("nonce-aa-good")));
    }

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);
}
