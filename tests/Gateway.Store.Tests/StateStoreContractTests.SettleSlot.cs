using Gateway.Testing;

namespace Gateway.Store.Tests;

/// <summary>
/// The contract's settle of a reservation in the window slot it was reserved in (<see cref="BudgetOutcome.Slot"/>): one
/// that reaches the store after that slot ended, on the store's clock, changes nothing, least of all the new slot.
/// </summary>
public abstract partial class StateStoreContractTests
{
    private static readonly TimeSpan SlotWindow = TimeSpan.FromSeconds(1);

    [Fact]
    public Task Settle_RefundAfterItsSlotEnded_LeavesTheNewSlotUntouched() => AfterItsSlotEndedAsync("late-refund", async (key, held) =>
        Assert.Equal(-1, await Store.SettleAsync(key, reserved: 100, actual: 0, SlotWindow, held.Slot)));

    [Fact]
    public Task Settle_OverspendAfterItsSlotEnded_NotChargedToTheNewSlot() => AfterItsSlotEndedAsync("late-overspend", async (key, held) =>
        Assert.Equal(-1, await Store.SettleAsync(key, reserved: 100, actual: 130, SlotWindow, held.Slot)));

    [Fact]
    public Task TryAppendAdmitting_SettleAfterItsSlotEnded_LeavesTheNewSlotUntouched() => AfterItsSlotEndedAsync("late-append", async (key, held) =>
        Assert.True((await Store.TryAppendAdmittingAsync(key + ":log", 0, [Bytes("outcome")], null, [], null, [], [], [new BudgetSettle(key, 100, 10, SlotWindow, held.Slot)])).Appended));

    /// <summary>
    /// Reserves 100 of 100 in a slot, lets the slot end on the store's clock (the test's, at once; a server's, awaited),
    /// reserves 40 in the new slot, runs <paramref name="settleLate"/> for the first reservation, and asserts that the new
    /// slot still holds exactly its 40. On a server's clock the new slot may itself end before the check: then it runs
    /// again on a fresh key (three tries at most).
    /// </summary>
    private async Task AfterItsSlotEndedAsync(string name, Func<string, BudgetOutcome, Task> settleLate)
    {
        for (var attempt = 1; ; attempt++)
        {
            var key = Key($"{name}-{attempt}");
            var held = await Store.TryReserveAsync(key, 100, 100, SlotWindow);
            Assert.True(held.Reserved);
            if (Clock is { } clock)
            {
                clock.Advance(SlotWindow);
            }
            else
            {
                await Eventually.HoldsAsync(async () => (await Store.TryReserveAsync(key, 0, 100, SlotWindow)).Slot != held.Slot, ExpiryDeadline, "the slot did not end on the server's clock");
            }

            var next = await Store.TryReserveAsync(key, 40, 100, SlotWindow);
            Assert.True(next.Reserved);
            Assert.NotEqual(held.Slot, next.Slot);

            await settleLate(key, held);

            var now = await Store.TryReserveAsync(key, 0, 100, SlotWindow);
            if (now.Slot == next.Slot || attempt == 3)
            {
                Assert.Equal(next.Slot, now.Slot);
                Assert.Equal(40, now.Used);
                return;
            }
        }
    }
}
