namespace Gateway.Store.Tests;

// Compare-and-set and compare-and-delete: a refresh's write that must not bring back a revoked value, a lease released by its owner only.
public abstract partial class StateStoreContractTests
{
    [Fact]
    public async Task ReplaceIfEqual_ValueAsExpected_ReplacesIt()
    {
        var key = Key("versioned");
        await Store.SetAsync(key, "v1 — ✓ 日本\r\n", null);

        Assert.True(await Store.ReplaceIfEqualAsync(key, "v1 — ✓ 日本\r\n", "v2", null));
        Assert.Equal("v2", await Store.GetAsync(key));
        Assert.False(await Store.ReplaceIfEqualAsync(key, "v1 — ✓ 日本\r\n", "v3", null));
        Assert.Equal("v2", await Store.GetAsync(key));
    }

    [Fact]
    public async Task ReplaceIfEqual_ValueChangedOrRemovedSinceRead_WritesNothing()
    {
        var changed = Key("changed");
        var removed = Key("removed");
        await Store.SetAsync(changed, "v1", null);
        await Store.SetAsync(changed, "v1-elsewhere", null);
        await Store.SetAsync(removed, "v1", null);
        await Store.DeleteAsync(removed);

        Assert.False(await Store.ReplaceIfEqualAsync(changed, "v1", "v2", null));
        Assert.False(await Store.ReplaceIfEqualAsync(removed, "v1", "v2", null));
        Assert.Equal("v1-elsewhere", await Store.GetAsync(changed));
        Assert.Null(await Store.GetAsync(removed));
    }

    [Fact]
    public async Task ReplaceIfEqual_ValueOfAnotherType_WritesNothing()
    {
        var set = Key("a-set");
        await Store.SetAddAsync(set, "member", null);

        Assert.False(await Store.ReplaceIfEqualAsync(set, "member", "v2", null));
        Assert.Equal("member", Assert.Single(await Store.SetMembersAsync(set)));
    }

    [Fact]
    public async Task ReplaceIfEqual_ManyParallelWritersOfOneVersion_ExactlyOneWins()
    {
        var key = Key("contended");
        await Store.SetAsync(key, "read", null);

        var results = await Task.WhenAll(Enumerable.Range(0, 32).Select(i =>
            Task.Run(async () => await Store.ReplaceIfEqualAsync(key, "read", $"writer-{i}", null))));

        Assert.Single(results, won => won);
        Assert.Equal($"writer-{Array.IndexOf(results, true)}", await Store.GetAsync(key));
    }

    [Fact]
    public async Task DeleteIfEqual_OwnersValue_RemovesIt()
    {
        var key = Key("lease");
        Assert.True(await Store.TrySetIfAbsentAsync(key, "owner-a", TimeSpan.FromMinutes(1)));

        Assert.True(await Store.DeleteIfEqualAsync(key, "owner-a"));
        Assert.Null(await Store.GetAsync(key));
        Assert.False(await Store.DeleteIfEqualAsync(key, "owner-a"));
    }

    [Fact]
    public async Task DeleteIfEqual_LeaseTakenByAnotherOwner_LeavesItsLease()
    {
        var key = Key("lease-taken");
        Assert.True(await Store.TrySetIfAbsentAsync(key, "owner-a", TimeSpan.FromMinutes(1)));
        // Owner a's lease ran out (gone from the store) and owner b took the next one.
        Assert.True(await Store.DeleteAsync(key));
        Assert.True(await Store.TrySetIfAbsentAsync(key, "owner-b", TimeSpan.FromMinutes(1)));

        Assert.False(await Store.DeleteIfEqualAsync(key, "owner-a"));
        Assert.Equal("owner-b", await Store.GetAsync(key));
    }
}
