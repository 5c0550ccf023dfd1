namespace Gateway.Store.Tests;

// A set's expiry extended by a later add (IKeyValueStore.SetAddAsync) is journalled: a restart, and the snapshot a
// restart compacts to, keep every member until the later expiry, and a set made again after it expired starts empty. A
// member removed (SetRemoveAsync) stays removed across both, and a set its removals emptied is gone.
public sealed partial class DurableInMemoryStateStoreTests
{
    [Fact]
    public async Task SetAdd_ExpiryExtendedThenReopened_KeepsEveryMemberUntilTheLaterExpiry()
    {
        using (var store = Open())
        {
            await store.SetAddAsync("sessions:bob", "first", TimeSpan.FromHours(1));
            _time.Advance(TimeSpan.FromMinutes(50));
            await store.SetAddAsync("sessions:bob", "later", TimeSpan.FromHours(1));
        }

        // Replayed from the records, then from the snapshot that reopening compacted them to.
        using (var reopened = Open())
        {
            _time.Advance(TimeSpan.FromMinutes(20));
            Assert.Equal(["first", "later"], await reopened.SetMembersAsync("sessions:bob"));
            await reopened.SetAddAsync("sessions:bob", "third", TimeSpan.FromHours(1));
        }

        using (var again = Open())
        {
            _time.Advance(TimeSpan.FromMinutes(59));
            Assert.Equal(["first", "later", "third"], await again.SetMembersAsync("sessions:bob"));
            _time.Advance(TimeSpan.FromMinutes(2));
            Assert.Empty(await again.SetMembersAsync("sessions:bob"));
            await again.SetAddAsync("sessions:bob", "anew", TimeSpan.FromMinutes(10));
        }

        using var last = Open();
        Assert.Equal(["anew"], await last.SetMembersAsync("sessions:bob"));
    }

    [Fact]
    public async Task SetRemove_ThenReopened_StaysRemovedAndAnEmptiedSetStaysGone()
    {
        using (var store = Open())
        {
            foreach (var member in new[] { "first", "second", "third" })
            {
                await store.SetAddAsync("sessions:bob", member, TimeSpan.FromHours(1));
            }

            await store.SetAddAsync("sessions:ann", "only", TimeSpan.FromHours(1));
            Assert.True(await store.SetRemoveAsync("sessions:bob", "second"));
            Assert.True(await store.SetRemoveAsync("sessions:ann", "only"));
        }

        // Replayed from the records, then from the snapshot that reopening compacted them to.
        using (var reopened = Open())
        {
            Assert.Equal(["first", "third"], await reopened.SetMembersAsync("sessions:bob"));
            Assert.Empty(await reopened.SetMembersAsync("sessions:ann"));
            Assert.True(await reopened.SetRemoveAsync("sessions:bob", "first"));
            Assert.Equal(1, await reopened.SetAddAsync("sessions:ann", "anew", TimeSpan.FromMinutes(10)));
        }

        using var again = Open();
        Assert.Equal(["third"], await again.SetMembersAsync("sessions:bob"));
        Assert.Equal(["anew"], await again.SetMembersAsync("sessions:ann"));
        _time.Advance(TimeSpan.FromMinutes(61));
        Assert.Empty(await again.SetMembersAsync("sessions:bob"));
    }
}
