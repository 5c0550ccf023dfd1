namespace Gateway.Store.Tests;

// One holder per data directory (DataDirectoryLock): a second open while a store holds it is refused and changes nothing; a
// reopen once the holder is disposed (as after a restart) opens. A second open in this process takes its own lock on the lock
// file, exactly as another process would, so it stands for one.
public sealed partial class DurableInMemoryStateStoreTests
{
    [Fact]
    public void OpenDurable_DirectoryAnotherStoreHolds_IsRefused()
    {
        using var first = Open();

        var refused = Assert.Throws<StateStoreUnavailableException>(() => Open());

        Assert.Contains(_directory.FullName, refused.Message, StringComparison.Ordinal);
        Assert.Contains("another process", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenDurable_DirectoryHeldAcrossTheHoldersCompaction_IsStillRefused()
    {
        using var first = Open();
        await first.SetAsync("switch:agent", "on", expiry: null);

        // The journal is replaced by rename: the lock is on a file of its own, so it still holds the directory.
        Assert.True(await first.CompactBesideAsync());

        Assert.Throws<StateStoreUnavailableException>(() => Open());
    }

    [Fact]
    public async Task OpenDurable_SecondOpenOnTheSameDirectory_DoesNotLoseTheFirstStoresAcknowledgedWrites()
    {
        using (var first = Open())
        {
            // Another process starting on the same directory: refused before it replays, rewrites or deletes anything.
            Assert.Throws<StateStoreUnavailableException>(() => Open());
            Assert.True(await first.TrySetIfAbsentAsync("nonce:x", "1", TimeSpan.FromMinutes(10)));
        }

        using var reopened = Open();
        Assert.False(await reopened.TrySetIfAbsentAsync("nonce:x", "1", TimeSpan.FromMinutes(10)));
    }

    [Fact]
    public async Task OpenDurable_AfterTheHolderIsDisposed_OpensWithItsState()
    {
        using (var first = Open())
        {
            await first.SetAsync("switch:agent", "on", expiry: null);
        }

        using var reopened = Open();
        Assert.Equal("on", await reopened.GetAsync("switch:agent"));
    }
}
