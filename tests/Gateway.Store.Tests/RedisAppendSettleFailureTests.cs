namespace Gateway.Store.Tests;

/// <summary>
/// A budget settle that cannot ride an audit group's script run is made after the append: when Redis refuses it, the append
/// (already made) is still answered as made, the reservation left standing, never the group failed after the fact.
/// </summary>
public sealed class RedisAppendSettleFailureTests(RedisStoreFixture fixture) : IClassFixture<RedisStoreFixture>
{
    private static readonly TimeSpan Year = TimeSpan.FromDays(365);

    [Fact]
    public async Task TryAppendAdmitting_SettleApartThatRedisRefuses_TheAppendIsAnsweredAsMade()
    {
        var store = fixture.Store;
        var budget = $"{{other-{Guid.NewGuid():N}}}:budget";
        var log = $"{{t-{Guid.NewGuid():N}}}:log";
        // The budget's window this year is a set, not a counter: Redis refuses the settle's INCRBY (WRONGTYPE).
        var slot = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / (long)Year.TotalMilliseconds;
        await store.SetAddAsync(budget + ":" + slot, "not-a-counter", expiry: null);

        var result = await store.TryAppendAdmittingAsync(log, 0, ["outcome"u8.ToArray()], null, [], null, [], [], [new BudgetSettle(budget, 60, 10, Year, slot)]);

        Assert.True(result.Appended);
        Assert.Equal(["outcome"], await store.ReadLogAsync(log, 0, 10));
        await Assert.ThrowsAsync<StateStoreUnavailableException>(async () => await store.SettleAsync(budget, 60, 10, Year, slot));
    }
}
