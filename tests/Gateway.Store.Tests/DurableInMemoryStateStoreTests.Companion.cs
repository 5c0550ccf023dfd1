using System.Buffers.Binary;

namespace Gateway.Store.Tests;

// The embedded store's plain append with a companion log (the audit chain's receipt batches) across a crash: the log's
// entries, its hash's fields and the companion's entries are one journal record, so a torn tail keeps all or none of them
// (a kept receipt batch whose lines were lost would fail every receipt read of that range for good).
public sealed partial class DurableInMemoryStateStoreTests
{
    [Fact]
    public async Task TryAppend_WithACompanionLogCrashCutsItsLastRecord_KeepsNeitherTheLinesNorTheBatch()
    {
        string path;
        long before;
        long after;
        using (var store = Open())
        {
            Assert.True(await store.TrySetIfAbsentAsync("nonce:earlier", "1", TimeSpan.FromMinutes(10)));
            path = store.JournalPath!;
            before = store.JournalLength;
            Assert.True(await store.TryAppendAsync("log", 0, [Bytes("line")], "hash", [KeyValuePair.Create("d", Bytes("e"))], "receipts", [Bytes("batch")]));
            after = store.JournalLength;
        }

        // A crash before the append's last record reached the disk: the file ends where its second-to-last record ends
        // (where the append began when it is one record).
        var cut = LastRecordStart(path, before, after);
        using (var file = new FileStream(path, FileMode.Open))
        {
            file.SetLength(cut);
        }

        using var reopened = Open();
        Assert.False(await reopened.TrySetIfAbsentAsync("nonce:earlier", "1", TimeSpan.FromMinutes(10)));
        Assert.Equal(0, await reopened.LogLengthAsync("log"));
        Assert.Equal(0, await reopened.LogLengthAsync("receipts"));
        Assert.Equal(0, await reopened.HashLengthAsync("hash"));
    }

    // The offset of the last record of the journal's records from start to end (each a 4-byte length, a 4-byte checksum
    // and the payload).
    private static long LastRecordStart(string path, long start, long end)
    {
        var bytes = File.ReadAllBytes(path);
        var last = start;
        for (var offset = start; offset < end; offset += 8 + BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan((int)offset)))
        {
            last = offset;
        }

        return last;
    }
}
