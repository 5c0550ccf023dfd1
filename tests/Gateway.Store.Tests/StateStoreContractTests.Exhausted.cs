namespace Gateway.Store.Tests;

/// <summary>
/// The contract's exhausted marks (<see cref="StoreKeys.CounterExhausted"/>): a counter refused an amount its limit could
/// hold is marked, in the admission's step, with that limit for the counter's lifetime; an amount larger than the whole
/// limit, or a counter that fits, leaves no mark. The store only writes the mark: the counter still reserves what fits.
/// </summary>
public abstract partial class StateStoreContractTests
{
    [Fact]
    public async Task AdmitCounters_RefusedAnAmountWithinTheLimit_MarksTheCounterExhaustedWithTheLimit()
    {
        var actions = new CounterReservation(Key("run:mark-actions"), 1, 10, RunLifetime);
        var tokens = new CounterReservation(Key("run:mark-tokens"), 7, 10, RunLifetime);
        Assert.True((await Store.AdmitAsync(Admission("mark-1", [], []) with { Counters = [actions, tokens] })).Counters!.Reserved);
        Assert.Equal([null, null], await Store.GetManyAsync([StoreKeys.CounterExhausted(actions.Key), StoreKeys.CounterExhausted(tokens.Key)]));

        var refused = await Store.AdmitAsync(Admission("mark-2", [], []) with { Counters = [actions, tokens] });

        Assert.Equal(1, refused.Counters!.RefusedIndex);
        Assert.Equal([null, "10"], await Store.GetManyAsync([StoreKeys.CounterExhausted(actions.Key), StoreKeys.CounterExhausted(tokens.Key)]));
        Assert.Equal(["1", "7"], await Store.GetManyAsync([actions.Key, tokens.Key]));
    }

    [Fact]
    public async Task AdmitCounters_RefusedAnAmountAboveTheWholeLimit_LeavesNoMark()
    {
        var tokens = new CounterReservation(Key("run:huge-tokens"), 11, 10, RunLifetime);

        var refused = await Store.AdmitAsync(Admission("huge-1", [], []) with { Counters = [tokens] });

        Assert.False(refused.Counters!.Reserved);
        Assert.Null(await Store.GetAsync(StoreKeys.CounterExhausted(tokens.Key)));
        Assert.True((await Store.AdmitAsync(Admission("huge-2", [], []) with { Counters = [tokens with { Amount = 10 }] })).Counters!.Reserved);
    }
}
