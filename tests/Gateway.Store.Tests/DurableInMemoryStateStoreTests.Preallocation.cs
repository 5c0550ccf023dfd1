namespace Gateway.Store.Tests;

// The journal's file runs on in zeros past its records while open (each group written into blocks already there): a crash
// leaves them, and the reopened store replays every acknowledged record and goes on after the last one.
public sealed partial class DurableInMemoryStateStoreTests
{
    [Fact]
    public async Task Journal_WhileOpen_RunsOnInZerosPastItsRecords()
    {
        using var store = Open();
        Assert.True(await store.TrySetIfAbsentAsync("nonce:a", "1", TimeSpan.FromMinutes(10)));

        var bytes = await File.ReadAllBytesAsync(store.JournalPath!);
        Assert.True(bytes.Length > store.JournalLength, $"the file is {bytes.Length} bytes, its records {store.JournalLength}");
        Assert.True(bytes.AsSpan((int)store.JournalLength).IndexOfAnyExcept((byte)0) < 0, "past the records, the file holds zeros");
    }

    [Fact]
    public async Task Reopen_CrashWithTheZerosLeft_KeepsEveryAcknowledgedRecordAndAppendsAfterThem()
    {
        var crashed = Directory.CreateDirectory(Path.Combine(_directory.FullName, "crashed"));
        using (var store = Open())
        {
            for (var i = 0; i < 300; i++)
            {
                Assert.True(await store.TrySetIfAbsentAsync($"nonce:{i}", "1", TimeSpan.FromMinutes(10)));
            }

            // The file as a crash leaves it: every acknowledged group written, the zeros after them still there.
            File.Copy(store.JournalPath!, Path.Combine(crashed.FullName, StateJournal.FileName));
        }

        var image = Path.Combine(crashed.FullName, StateJournal.FileName);
        var crashedLength = new FileInfo(image).Length;
        long records;
        using (var reopened = InMemoryStateStore.OpenDurable(crashed.FullName, _time))
        {
            for (var i = 0; i < 300; i++)
            {
                Assert.False(await reopened.TrySetIfAbsentAsync($"nonce:{i}", "1", TimeSpan.FromMinutes(10)), $"nonce {i} was forgotten");
            }

            Assert.True(await reopened.TrySetIfAbsentAsync("nonce:after", "1", TimeSpan.FromMinutes(10)));
            records = reopened.JournalLength;
        }

        Assert.True(crashedLength > records, "the crash image held zeros past its records");
        Assert.Equal(records, new FileInfo(image).Length);
        using var again = InMemoryStateStore.OpenDurable(crashed.FullName, _time);
        Assert.False(await again.TrySetIfAbsentAsync("nonce:after", "1", TimeSpan.FromMinutes(10)));
        Assert.False(await again.TrySetIfAbsentAsync("nonce:299", "1", TimeSpan.FromMinutes(10)));
    }
}
