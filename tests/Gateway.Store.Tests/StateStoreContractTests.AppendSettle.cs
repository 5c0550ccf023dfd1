namespace Gateway.Store.Tests;

/// <summary>
/// The contract's append that settles (#71): a model call's budget settle made in its outcome group's store call, only when
/// the group is appended, before the group's admissions, exactly as <see cref="IAdmissionStore.SettleAsync"/> alone makes it.
/// </summary>
public abstract partial class StateStoreContractTests
{
    [Fact]
    public async Task TryAppendAdmitting_Settle_SettledBeforeTheGroupsAdmissions()
    {
        var budget = Key("as-budget");
        var reserved = await Store.TryReserveAsync(budget, 100, 100, LongWindow);
        Assert.True(reserved.Reserved);
        var admission = Admission("as-1", [], []) with { Budget = new BudgetReservation(budget, 70, 100, LongWindow) };

        var result = await Store.TryAppendAdmittingAsync(Key("as-log"), 0, [Bytes("outcome"), Bytes("decision")], null, [], null, [], [admission], [new BudgetSettle(budget, 100, 30, LongWindow, reserved.Slot)]);

        Assert.True(result.Appended);
        Assert.True(Assert.Single(result.Outcomes).Budget!.Value.Reserved);
        Assert.Equal(100, (await Store.TryReserveAsync(budget, 0, 100, LongWindow)).Used);
        Assert.Equal(["outcome", "decision"], await Store.ReadLogAsync(Key("as-log"), 0, 10));
    }

    [Fact]
    public async Task TryAppendAdmitting_SettleOfAConflictedAppend_SettlesNothing()
    {
        var budget = Key("as-conflict-budget");
        var log = Key("as-conflict-log");
        var reserved = await Store.TryReserveAsync(budget, 50, 100, LongWindow);
        Assert.True(reserved.Reserved);
        Assert.True(await Store.TryAppendAsync(log, 0, "genesis"));

        var result = await Store.TryAppendAdmittingAsync(log, 0, [Bytes("stale")], null, [], null, [], [], [new BudgetSettle(budget, 50, 0, LongWindow, reserved.Slot)]);

        Assert.False(result.Appended);
        Assert.Equal(50, (await Store.TryReserveAsync(budget, 0, 100, LongWindow)).Used);
    }

    [Fact]
    public async Task TryAppendAdmitting_SettleOfAnotherHashTag_SettledAfterTheAppend()
    {
        var budget = $"{{other-{Guid.NewGuid():N}}}:budget";
        var reserved = await Store.TryReserveAsync(budget, 60, 100, LongWindow);
        var other = await Store.TryReserveAsync(Key("as-tag-budget"), 0, 100, LongWindow);
        Assert.True(reserved.Reserved);

        var result = await Store.TryAppendAdmittingAsync(Key("as-tag-log"), 0, [Bytes("outcome")], null, [], null, [], [], [new BudgetSettle(budget, 60, 10, LongWindow, reserved.Slot), new BudgetSettle(Key("as-tag-budget"), 0, 5, LongWindow, other.Slot)]);

        Assert.True(result.Appended);
        Assert.Empty(result.Outcomes);
        Assert.Equal(10, (await Store.TryReserveAsync(budget, 0, 100, LongWindow)).Used);
        Assert.Equal(5, (await Store.TryReserveAsync(Key("as-tag-budget"), 0, 100, LongWindow)).Used);
    }
}
