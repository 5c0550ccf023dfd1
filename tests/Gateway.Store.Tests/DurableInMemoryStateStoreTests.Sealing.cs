using System.Text;
using Gateway.Testing;

namespace Gateway.Store.Tests;

// Logs sealed into files of their own (InMemoryStateStore.Sealing): read back across the seal, kept across restarts and
// compaction, a sealing cut short undone at open, a file shorter than its seal refused.
public sealed partial class DurableInMemoryStateStoreTests
{
    [Fact]
    public async Task SealLogs_EntriesMovedToTheirFile_ReadBackInOrderAcrossTheSeal()
    {
        using var store = Open();
        await AppendAsync(store, "log:s", 0, 150);
        Assert.True(await store.SealLogsAsync());
        Assert.Equal(0, store.UnsealedBytes);
        await AppendAsync(store, "log:s", 150, 50);

        Assert.Equal(200, await store.LogLengthAsync("log:s"));
        Assert.Equal(Entries(0, 200), await store.ReadLogAsync("log:s", 0, 500));
        Assert.Equal(Entries(130, 40), await store.ReadLogAsync("log:s", 130, 40));
        Assert.Equal(Entries(64, 3), await store.ReadLogAsync("log:s", 64, 3));
        Assert.Equal(Entries(149, 1), await store.ReadLogAsync("log:s", 149, 1));
        Assert.Equal(Entries(199, 1), await store.ReadLogAsync("log:s", 199, 5));
        var file = Assert.Single(Directory.GetFiles(LogsDirectory, "*.log"));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(PrivateFiles.OwnerOnlyFile, File.GetUnixFileMode(file));
            Assert.Equal(PrivateFiles.OwnerOnlyDirectory, File.GetUnixFileMode(LogsDirectory));
        }
    }

    [Fact]
    public async Task SealLogs_ManyTimesTheWriteChunk_ReadBackWholeAfterReopen()
    {
        // About 3.5 times the 64 KiB written at a time, with one entry larger than that on its own, in the middle.
        string[] entries = [.. Enumerable.Range(0, 240).Select(static i => $"entry-{i:D3}-" + new string(i == 120 ? 'x' : 'é', i == 120 ? 100_000 : 500))];
        using (var store = Open())
        {
            for (var i = 0; i < entries.Length; i++)
            {
                Assert.True(await store.TryAppendAsync("log:big", i, [Encoding.UTF8.GetBytes(entries[i])]));
            }

            Assert.True(await store.SealLogsAsync());
            Assert.Equal(0, store.UnsealedBytes);
        }

        using var reopened = Open();
        Assert.Equal(entries, await reopened.ReadLogAsync("log:big", 0, 500));
        Assert.Equal(entries[119..122], await reopened.ReadLogAsync("log:big", 119, 3));
    }

    [Fact]
    public async Task SealLogs_AfterReopenAndCompaction_LogKeepsEveryEntryAndExtendsFromItsTip()
    {
        using (var store = Open())
        {
            await AppendAsync(store, "log:s", 0, 100);
            Assert.True(await store.SealLogsAsync());
            await AppendAsync(store, "log:s", 100, 10);
        }

        // Opened twice: replayed from the appended records and the seal, then from the snapshot the first reopen compacted them to.
        using (var reopened = Open())
        {
            Assert.Equal(Entries(0, 110), await reopened.ReadLogAsync("log:s", 0, 500));
            Assert.True(await reopened.SealLogsAsync());
        }

        using var again = Open();
        Assert.Equal(110, await again.LogLengthAsync("log:s"));
        Assert.Equal(Entries(109, 1), await again.ReadLogAsync("log:s", 109, 1));
        Assert.False(await again.TryAppendAsync("log:s", 109, "late"));
        await AppendAsync(again, "log:s", 110, 5);
        Assert.Equal(Entries(0, 115), await again.ReadLogAsync("log:s", 0, 500));
    }

    [Fact]
    public async Task Compaction_AfterSealing_KeepsTheSealNotTheEntries()
    {
        long sealedBytes;
        using (var store = Open())
        {
            await AppendAsync(store, "log:s", 0, 2000);
            Assert.True(await store.SealLogsAsync());
            sealedBytes = Directory.GetFiles(LogsDirectory, "*.log").Sum(path => new FileInfo(path).Length);
        }

        using var reopened = Open();
        Assert.True(new FileInfo(reopened.JournalPath!).Length < sealedBytes / 100, "the compacted journal still holds the sealed entries");
        Assert.Equal(Entries(0, 2000), await reopened.ReadLogAsync("log:s", 0, 5000));
    }

    [Fact]
    public async Task Reopen_SealingCutShort_CutsTheFileBackAndKeepsTheJournalsEntries()
    {
        string file;
        long sealedLength;
        using (var store = Open())
        {
            await AppendAsync(store, "log:s", 0, 20);
            Assert.True(await store.SealLogsAsync());
            await AppendAsync(store, "log:s", 20, 5);
            file = Assert.Single(Directory.GetFiles(LogsDirectory, "*.log"));
            sealedLength = new FileInfo(file).Length;
        }

        // A sealing that wrote entries 20 to 24 and crashed before the journal recorded its seal.
        using (var stream = new FileStream(file, FileMode.Append))
        {
            stream.Write(new byte[] { 9, 0, 0, 0, 1, 2, 3, 4, (byte)'x', (byte)'y' });
        }

        using var reopened = Open();
        Assert.Equal(sealedLength, new FileInfo(file).Length);
        Assert.Equal(Entries(0, 25), await reopened.ReadLogAsync("log:s", 0, 100));
        Assert.True(await reopened.SealLogsAsync());
        Assert.Equal(Entries(0, 25), await reopened.ReadLogAsync("log:s", 0, 100));
    }

    [Fact]
    public async Task Reopen_LogFileShorterThanItsSeal_FailsClosed()
    {
        using (var store = Open())
        {
            await AppendAsync(store, "log:s", 0, 20);
            Assert.True(await store.SealLogsAsync());
        }

        var file = Assert.Single(Directory.GetFiles(LogsDirectory, "*.log"));
        using (var stream = new FileStream(file, FileMode.Open))
        {
            stream.SetLength(stream.Length - 1);
        }

        Assert.Throws<StateStoreUnavailableException>(Open);
        File.Delete(file);
        Assert.Throws<StateStoreUnavailableException>(Open);
    }

    [Fact]
    public async Task Reopen_LogFileNoSealNames_IsDeleted()
    {
        using (var store = Open())
        {
            await AppendAsync(store, "log:s", 0, 3);
        }

        var stray = Path.Combine(LogsDirectory, "42.log");
        await File.WriteAllBytesAsync(stray, [1, 2, 3]);
        using var reopened = Open();
        Assert.False(File.Exists(stray));
        Assert.Equal(Entries(0, 3), await reopened.ReadLogAsync("log:s", 0, 10));
    }

    [Fact]
    public async Task Append_PastTheSealThreshold_SealsInTheBackgroundAndLetsGoOfTheEntries()
    {
        using var store = InMemoryStateStore.OpenDurable(_directory.FullName, _time, sealThresholdChars: 1000);
        await AppendAsync(store, "log:s", 0, 300);
        await Eventually.HoldsAsync(() => store.UnsealedBytes < 1000, TimeSpan.FromSeconds(30), () => $"{store.UnsealedBytes} characters stayed unsealed");
        Assert.Equal(Entries(0, 300), await store.ReadLogAsync("log:s", 0, 1000));
    }

    [Fact]
    public async Task Append_ConcurrentWithSealings_KeepsEveryEntryOfEveryLogInOrder()
    {
        using (var store = InMemoryStateStore.OpenDurable(_directory.FullName, _time, sealThresholdChars: 1))
        {
            await Task.WhenAll(Enumerable.Range(0, 4).Select(log => Task.Run(() => AppendAsync(store, $"log:{log}", 0, 200))));
            for (var log = 0; log < 4; log++)
            {
                Assert.Equal(Entries(0, 200), await store.ReadLogAsync($"log:{log}", 0, 500));
            }
        }

        using var reopened = Open();
        for (var log = 0; log < 4; log++)
        {
            Assert.Equal(Entries(0, 200), await reopened.ReadLogAsync($"log:{log}", 0, 500));
        }
    }

    private string LogsDirectory => Path.Combine(_directory.FullName, InMemoryStateStore.LogsDirectoryName);

    private static string[] Entries(int start, int count) =>
        [.. Enumerable.Range(start, count).Select(static i => $"entry-{i:D5}-" + new string('é', i % 7))];

    private static async Task AppendAsync(InMemoryStateStore store, string log, int start, int count)
    {
        for (var i = start; i < start + count; i++)
        {
            Assert.True(await store.TryAppendAsync(log, i, [Encoding.UTF8.GetBytes(Entries(i, 1)[0])]));
        }
    }
}
