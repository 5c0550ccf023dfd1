namespace Gateway.Store.Tests;

/// <summary>
/// The admitting append with companion entries alone (a group's receipt batches stored by a call of their own,
/// <c>Gateway:Evidence:SignInFlight</c>): appended only at the log's expected length, the log itself unchanged.
/// </summary>
public sealed class RedisAppendCompanionsTests(RedisStoreFixture fixture) : IClassFixture<RedisStoreFixture>
{
    [Fact]
    public async Task TryAppendAdmitting_CompanionEntriesAloneAtTheLogsLength_AppendsThemAndLeavesTheLog()
    {
        var store = fixture.Store;
        var (log, companions) = Keys();
        Assert.True(await store.TryAppendAsync(log, 0, "line-1"));

        var stale = await store.TryAppendAdmittingAsync(log, 0, [], null, [], companions, ["batch-0"u8.ToArray()], [], []);
        var stored = await store.TryAppendAdmittingAsync(log, 1, [], null, [], companions, ["batch-1"u8.ToArray()], [], []);

        Assert.False(stale.Appended);
        Assert.True(stored.Appended);
        Assert.Empty(stored.Outcomes);
        Assert.Equal(["line-1"], await store.ReadLogAsync(log, 0, 10));
        Assert.Equal(["batch-1"], await store.ReadLogAsync(companions, 0, 10));
    }

    [Fact]
    public async Task TryAppendAdmitting_NoEntriesAndNoCompanionEntries_IsRefused()
    {
        var (log, companions) = Keys();

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await fixture.Store.TryAppendAdmittingAsync(log, 0, [], null, [], companions, [], [], []));
    }

    private static (string Log, string Companions) Keys()
    {
        var tag = Guid.NewGuid().ToString("N");
        return ($"{{t-{tag}}}:log", $"{{t-{tag}}}:receipts");
    }
}
