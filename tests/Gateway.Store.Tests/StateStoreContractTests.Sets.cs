namespace Gateway.Store.Tests;

// A set's members removed (IKeyValueStore.SetRemoveAsync), and an index kept to the members whose key still exists
// (StoreIndex.PruneAsync): the same on every store.
public abstract partial class StateStoreContractTests
{
    [Fact]
    public async Task SetRemove_Members_RemovedOnceAndAnEmptySetIsGone()
    {
        var key = Key("sessions");
        await Store.SetAddAsync(key, "a", TimeSpan.FromMinutes(10));
        await Store.SetAddAsync(key, "b", TimeSpan.FromMinutes(10));
        await Store.SetAddAsync(key, "c", TimeSpan.FromMinutes(10));

        Assert.True(await Store.SetRemoveAsync(key, "b"));
        Assert.False(await Store.SetRemoveAsync(key, "b"));
        Assert.False(await Store.SetRemoveAsync(Key("no-set"), "b"));
        Assert.Equal(["a", "c"], await Store.SetMembersAsync(key));

        Assert.True(await Store.SetRemoveAsync(key, "a"));
        Assert.True(await Store.SetRemoveAsync(key, "c"));
        Assert.Empty(await Store.SetMembersAsync(key));
        Assert.Equal(1, await Store.SetAddAsync(key, "d", TimeSpan.FromMinutes(10)));
    }

    [Fact]
    public Task SetRemove_AMember_KeepsTheSetsExpiry() => AcrossShortExpiryAsync(
        before: async () =>
        {
            Assert.Equal(1, await Store.SetAddAsync(Key("votes"), "b", ShortExpiry));
            Assert.Equal(2, await Store.SetAddAsync(Key("votes"), "a", ShortExpiry));
            Assert.True(await Store.SetRemoveAsync(Key("votes"), "b"));
            Assert.Equal(["a"], await Store.SetMembersAsync(Key("votes")));
        },
        expired: async () => (await Store.SetMembersAsync(Key("votes"))).Count == 0,
        after: async () => Assert.Equal(1, await Store.SetAddAsync(Key("votes"), "c", null)));

    [Fact]
    public async Task StoreIndexPrune_SmallIndex_KeepsOnlyTheMembersWhoseKeyExists()
    {
        var index = Key("index");
        for (var i = 0; i < 10; i++)
        {
            if (i % 3 == 0)
            {
                await Store.SetAsync(Key("thing:" + i), "live", TimeSpan.FromMinutes(10));
            }

            await Store.SetAddAsync(index, "m" + i, TimeSpan.FromMinutes(10));
        }

        var left = await StoreIndex.PruneAsync(Store, index, member => Key("thing:" + member[1..]), cap: 1000, TimeSpan.FromMinutes(10));

        Assert.Equal(4, left);
        Assert.Equal(["m0", "m3", "m6", "m9"], await Store.SetMembersAsync(index));
    }

    [Fact]
    public async Task StoreIndexPrune_LargeIndex_ChecksABatchUnderTheCapAndEveryMemberAtIt()
    {
        var index = Key("index");
        for (var i = 0; i < 100; i++)
        {
            await Store.SetAddAsync(index, "gone-" + i, TimeSpan.FromMinutes(10));
        }

        await Store.SetAsync(Key("thing:live"), "live", TimeSpan.FromMinutes(10));
        await Store.SetAddAsync(index, "live", TimeSpan.FromMinutes(10));

        // Under the cap: one batch checked, every member of it gone (bounded work per add).
        var batched = await StoreIndex.PruneAsync(Store, index, member => Key("thing:" + member), cap: 1000, TimeSpan.FromMinutes(10));
        Assert.InRange(batched, 101 - StoreIndex.PruneBatch, 101 - StoreIndex.PruneBatch + 1);

        // At the cap: every member checked, so only live members count against it.
        var full = await StoreIndex.PruneAsync(Store, index, member => Key("thing:" + member), cap: batched, TimeSpan.FromMinutes(10));
        Assert.Equal(1, full);
        Assert.Equal(["live"], await Store.SetMembersAsync(index));
    }
}
