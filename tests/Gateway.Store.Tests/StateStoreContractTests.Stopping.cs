namespace Gateway.Store.Tests;

/// <summary>
/// The contract's stopping switches (<see cref="AdmissionRequest.StoppingSwitches"/>): an admission refused by its kill
/// switches spends its nonce and reads its switches, and uses up nothing that other agents share.
/// </summary>
public abstract partial class StateStoreContractTests
{
    [Fact]
    public async Task Admit_StoppingSwitchOn_AcquiresReservesAndRecordsNothing()
    {
        await Store.SetAsync(Key("stop-revoked"), "1", null);
        var window = new RateLimitWindow(Key("stop-rl"), 1, LongWindow);
        var counter = new CounterReservation(Key("stop-counter"), 1, 1, LongWindow);
        var budget = new BudgetReservation(Key("stop-budget"), 10, 10, LongWindow);
        var stopped = Admission("stop-1", [Key("stop-suspended"), Key("stop-revoked")], [window]) with
        {
            StoppingSwitches = 0b10,
            Counters = [counter],
            Budget = budget,
            Token = new TokenRecording(Key("stop-token"), TimeSpan.FromMinutes(5), [Key("stop-gen")]),
        };

        var outcome = await Store.AdmitAsync(stopped);

        Assert.True(outcome.NonceFresh);
        Assert.Equal(2u, outcome.SwitchesOn);
        Assert.True(outcome.RateLimit.Admitted);
        Assert.Null(outcome.Counters);
        Assert.Null(outcome.Budget);
        Assert.Null(outcome.Token);
        Assert.Equal("ts-stop-1", await Store.GetAsync(stopped.NonceKey));
        Assert.Null(await Store.GetAsync(Key("stop-token")));
        Assert.False((await Store.AdmitAsync(stopped)).NonceFresh);

        // Another agent's request takes the window's, the counter's and the budget's whole limit.
        var other = await Store.AdmitAsync(Admission("stop-other", [], [window]) with { Counters = [counter], Budget = budget });
        Assert.True(other.RateLimit.Admitted);
        Assert.True(other.Counters!.Reserved);
        Assert.True(other.Budget!.Value.Reserved);
    }

    [Fact]
    public async Task Admit_OnlyNonStoppingSwitchOn_CountsAsEver()
    {
        await Store.SetAsync(Key("stop-suspended-on"), "1", null);
        var window = new RateLimitWindow(Key("stop-suspended-rl"), 1, LongWindow);
        var suspended = Admission("stop-suspended", [Key("stop-suspended-on"), Key("stop-suspended-revoked")], [window]) with { StoppingSwitches = 0b10 };

        var outcome = await Store.AdmitAsync(suspended);

        Assert.Equal(1u, outcome.SwitchesOn);
        Assert.True(outcome.RateLimit.Admitted);
        Assert.False((await AcquireAsync([window])).Admitted);
    }

    [Fact]
    public async Task TryAppendAdmitting_StoppingSwitchOn_LeavesTheWindowToTheNextAdmission()
    {
        await Store.SetAsync(Key("aa-stop-revoked"), "1", null);
        var window = new RateLimitWindow(Key("aa-stop-rl"), 1, LongWindow);
        var stopped = Admission("aa-stop-1", [Key("aa-stop-revoked")], [window]) with { StoppingSwitches = 1 };
        var next = Admission("aa-stop-2", [], [window]);

        var result = await Store.TryAppendAdmittingAsync(Key("aa-stop-log"), 0, [System.Text.Encoding.UTF8.GetBytes("line")], null, [], null, [], [stopped, next], []);

        Assert.True(result.Appended);
        Assert.Equal(1u, result.Outcomes[0].SwitchesOn);
        Assert.True(result.Outcomes[0].NonceFresh);
        Assert.True(result.Outcomes[1].RateLimit.Admitted);
        Assert.False((await AcquireAsync([window])).Admitted);
    }
}
