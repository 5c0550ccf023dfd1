using System.Text;

namespace Gateway.Store.Tests;

// A log's first entries retired for good (InMemoryStateStore.Retirement, audit retention): the kept ones read at their
// positions, the retired ones refused, and nothing of them left in the log's file or the journal, across restarts.
public sealed partial class DurableInMemoryStateStoreTests
{
    [Fact]
    public async Task RetireLog_SealedAndUnsealedEntries_KeptOnesReadAtTheirPositionsAndRetiredOnesRefused()
    {
        using var store = Open();
        await AppendAsync(store, "log:r", 0, 150);
        Assert.True(await store.SealLogsAsync());
        await AppendAsync(store, "log:r", 150, 50);

        await store.RetireLogAsync("log:r", 160, "anchor-160");

        Assert.Equal(200, await store.LogLengthAsync("log:r"));
        Assert.Equal(new LogStart(160, "anchor-160"), await store.LogStartAsync("log:r"));
        Assert.Equal(Entries(160, 40), await store.ReadLogAsync("log:r", 160, 100));
        Assert.Equal(Entries(199, 1), await store.ReadLogAsync("log:r", 199, 1));
        Assert.Equal(160, (await Assert.ThrowsAsync<LogEntriesRetiredException>(async () => await store.ReadLogAsync("log:r", 100, 10))).Start);
        Assert.True(await store.TryAppendAsync("log:r", 200, "after"));
        Assert.Equal("after", Assert.Single(await store.ReadLogAsync("log:r", 200, 5)));
    }

    [Fact]
    public async Task RetireLog_ThenReopenedTwice_KeepsItsStartAndNothingOfTheRetiredEntriesOnDisk()
    {
        using (var store = Open())
        {
            await AppendAsync(store, "log:r", 0, 300);
            Assert.True(await store.SealLogsAsync());
            await AppendAsync(store, "log:r", 300, 10);
            await store.RetireLogAsync("log:r", 250, "anchor-250");
            await store.RetireLogAsync("log:r", 100, "ignored");
        }

        using (var reopened = Open())
        {
            Assert.Equal(new LogStart(250, "anchor-250"), await reopened.LogStartAsync("log:r"));
            Assert.Equal(Entries(250, 60), await reopened.ReadLogAsync("log:r", 250, 500));
        }

        using var again = Open();
        Assert.Equal(Entries(250, 60), await again.ReadLogAsync("log:r", 250, 500));
        // Every data file (the lock file, empty, is held open exclusively by the store).
        var onDisk = Directory.GetFiles(_directory.FullName, "*", SearchOption.AllDirectories)
            .Where(static f => Path.GetFileName(f) != InMemoryStateStore.LockFileName).Select(File.ReadAllBytes).ToList();
        Assert.DoesNotContain(onDisk, bytes => Encoding.UTF8.GetString(bytes).Contains(Entries(249, 1)[0], StringComparison.Ordinal));
        Assert.Contains(onDisk, bytes => Encoding.UTF8.GetString(bytes).Contains(Entries(250, 1)[0], StringComparison.Ordinal));
        Assert.Single(Directory.GetFiles(LogsDirectory, "*.log"));
    }

    [Fact]
    public async Task RetireLog_ThenSealedAgainBeforeACrash_ReplaysToTheSameStart()
    {
        using (var store = Open())
        {
            await AppendAsync(store, "log:r", 0, 100);
            await store.RetireLogAsync("log:r", 60, "anchor-60");
            await AppendAsync(store, "log:r", 100, 30);

            // A sealing after the retirement's rewrite: its record is the last word on the log when the journal is replayed.
            Assert.True(await store.SealLogsAsync());
        }

        using var reopened = Open();
        Assert.Equal(new LogStart(60, "anchor-60"), await reopened.LogStartAsync("log:r"));
        Assert.Equal(Entries(60, 70), await reopened.ReadLogAsync("log:r", 60, 500));
        Assert.Equal(Entries(129, 1), await reopened.ReadLogAsync("log:r", 129, 1));
    }

    [Fact]
    public async Task RetireLog_EveryEntry_KeepsTheTipSoTheLogExtendsAfterReopen()
    {
        using (var store = Open())
        {
            await AppendAsync(store, "log:r", 0, 20);
            await store.RetireLogAsync("log:r", 20, "anchor-20");
            Assert.Equal(Entries(19, 1), await store.ReadLogAsync("log:r", 19, 1));
        }

        using var reopened = Open();
        Assert.Equal(new LogStart(20, "anchor-20"), await reopened.LogStartAsync("log:r"));
        Assert.Equal(20, await reopened.LogLengthAsync("log:r"));
        Assert.Equal(Entries(19, 1), await reopened.ReadLogAsync("log:r", 19, 1));
        await AppendAsync(reopened, "log:r", 20, 3);
        Assert.Equal(Entries(20, 3), await reopened.ReadLogAsync("log:r", 20, 10));
    }

    [Fact]
    public async Task RetireLog_PastTheEnd_ThrowsAndRetiresNothing()
    {
        using var store = Open();
        await AppendAsync(store, "log:r", 0, 5);

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await store.RetireLogAsync("log:r", 6, null));

        Assert.Equal(default, await store.LogStartAsync("log:r"));
        Assert.Equal(Entries(0, 5), await store.ReadLogAsync("log:r", 0, 10));
    }

    [Fact]
    public async Task RetireLog_WhileEntriesAreAppended_KeepsEveryLaterEntryAcrossReopen()
    {
        using (var store = Open())
        {
            await AppendAsync(store, "log:r", 0, 100);
            var appends = Task.Run(() => AppendAsync(store, "log:r", 100, 400));
            await store.RetireLogAsync("log:r", 80, "anchor-80");
            await appends;
            await store.RetireLogAsync("log:r", 90, "anchor-90");
        }

        using var reopened = Open();
        Assert.Equal(new LogStart(90, "anchor-90"), await reopened.LogStartAsync("log:r"));
        Assert.Equal(Entries(90, 410), await reopened.ReadLogAsync("log:r", 90, 1000));
    }

    [Fact]
    public async Task RetireLog_StoreWithoutAJournal_RetiresFromMemory()
    {
        var store = new InMemoryStateStore(_time);
        await AppendAsync(store, "log:r", 0, 10);

        await store.RetireLogAsync("log:r", 4, "anchor-4");

        Assert.Equal(new LogStart(4, "anchor-4"), await store.LogStartAsync("log:r"));
        Assert.Equal(Entries(4, 6), await store.ReadLogAsync("log:r", 4, 10));
        Assert.Equal(Entries(9, 1), await store.ReadLogAsync("log:r", 9, 1));
        Assert.Equal(4, (await Assert.ThrowsAsync<LogEntriesRetiredException>(async () => await store.ReadLogAsync("log:r", 2, 1))).Start);
        await store.RetireLogAsync("log:r", 10, "anchor-10");
        Assert.Equal(Entries(9, 1), await store.ReadLogAsync("log:r", 9, 1));
        Assert.True(await store.TryAppendAsync("log:r", 10, "after"));
    }

    [Fact]
    public async Task ListKeys_Prefix_ListsOnlyTheKeysThatStartWithIt()
    {
        using var store = Open();
        await AppendAsync(store, "gw:{a}:audit:r1", 0, 1);
        await AppendAsync(store, "gw:{b}:audit:r1", 0, 1);
        await AppendAsync(store, "other:{a}", 0, 1);

        Assert.Equal(["gw:{a}:audit:r1", "gw:{b}:audit:r1"], (await store.ListKeysAsync("gw:")).Order(StringComparer.Ordinal));
    }
}
