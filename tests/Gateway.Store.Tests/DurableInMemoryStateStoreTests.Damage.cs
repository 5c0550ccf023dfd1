using System.Buffers.Binary;
using System.IO.Hashing;

namespace Gateway.Store.Tests;

// A damaged record with whole records after it (bit rot, a bad sector, a hand edit): those may be changes the store
// acknowledged, so the store refuses to open, naming the file and the offset, and leaves the file as it was. A torn
// tail (a crash mid-write: what follows the last whole record is its rest, or zeros) is still cut off.
public sealed partial class DurableInMemoryStateStoreTests
{
    [Fact]
    public async Task OpenDurable_DamagedRecordWithWholeRecordsAfterIt_IsRefusedAndLeavesTheFileAsItWas()
    {
        var (path, firstEnd) = await WriteThreeNoncesAsync();

        // Flip one byte of the second record's payload: its checksum no longer holds, and the third record is whole.
        FlipByte(path, firstEnd + 12);
        var damaged = await File.ReadAllBytesAsync(path);

        var refused = Assert.Throws<StateStoreUnavailableException>(() => Open());

        Assert.Contains(path, refused.Message, StringComparison.Ordinal);
        Assert.Contains($"byte offset {firstEnd}", refused.Message, StringComparison.Ordinal);
        Assert.Equal(damaged, await File.ReadAllBytesAsync(path));

        // Refused again, the same way: nothing was cut, and the directory was let go.
        Assert.Contains($"byte offset {firstEnd}", Assert.Throws<StateStoreUnavailableException>(() => Open()).Message, StringComparison.Ordinal);
        Assert.Equal(damaged, await File.ReadAllBytesAsync(path));
    }

    [Fact]
    public async Task OpenDurable_DamagedRecordLengthWithWholeRecordsAfterIt_IsRefused()
    {
        var (path, firstEnd) = await WriteThreeNoncesAsync();

        // The second record's length is garbage (no record is that long): the third record, after it, is whole.
        await using (var file = new FileStream(path, FileMode.Open))
        {
            file.Position = firstEnd + 3;
            file.WriteByte(0x7f);
        }

        var damaged = await File.ReadAllBytesAsync(path);

        var refused = Assert.Throws<StateStoreUnavailableException>(() => Open());

        Assert.Contains($"byte offset {firstEnd}", refused.Message, StringComparison.Ordinal);
        Assert.Equal(damaged, await File.ReadAllBytesAsync(path));
    }

    [Fact]
    public async Task OpenDurable_TornGroupWithWholeRecordsInsideIt_IsCutAsATornTail()
    {
        var (path, firstEnd) = await WriteThreeNoncesAsync();
        var bytes = await File.ReadAllBytesAsync(path);
        var whole = bytes.Length;

        // A crash while the last group was written: a group record (StateJournalOperation.Group) whose records are the
        // journal's own first two, cut in its second, so that a whole record lies inside what reached the disk.
        var inner = bytes.AsSpan(0, (int)firstEnd * 2).ToArray();
        var payload = new byte[1 + 4 + 8 + inner.Length];
        payload[0] = (byte)StateJournalOperation.Group;
        BinaryPrimitives.WriteInt64LittleEndian(payload.AsSpan(5), -1);
        inner.CopyTo(payload, 13);
        var record = new byte[8 + payload.Length];
        BinaryPrimitives.WriteInt32LittleEndian(record, payload.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(4), Crc32.HashToUInt32(payload));
        payload.CopyTo(record, 8);
        await using (var file = new FileStream(path, FileMode.Append))
        {
            await file.WriteAsync(record.AsMemory(0, 8 + 13 + (int)firstEnd + 5));
        }

        using (var reopened = Open())
        {
            Assert.False(await reopened.TrySetIfAbsentAsync("nonce:c", "1", TimeSpan.FromMinutes(10)));
            Assert.True(await reopened.TrySetIfAbsentAsync("nonce:d", "1", TimeSpan.FromMinutes(10)));
        }

        using var again = Open();
        Assert.False(await again.TrySetIfAbsentAsync("nonce:d", "1", TimeSpan.FromMinutes(10)));
        Assert.True(new FileInfo(path).Length >= whole);
    }

    [Fact]
    public async Task OpenDurable_TornRecordInTheZerosPastTheEnd_IsCutAsATornTail()
    {
        var (path, firstEnd) = await WriteThreeNoncesAsync();

        // A crash while the store was open: the file runs on in zeros, into which half a record (a copy of the first) reached the disk.
        var bytes = await File.ReadAllBytesAsync(path);
        var image = new byte[bytes.Length + (64 * 1024)];
        bytes.CopyTo(image, 0);
        bytes.AsSpan(0, (int)firstEnd / 2).CopyTo(image.AsSpan(bytes.Length));
        await File.WriteAllBytesAsync(path, image);

        using var reopened = Open();
        Assert.False(await reopened.TrySetIfAbsentAsync("nonce:a", "1", TimeSpan.FromMinutes(10)));
        Assert.False(await reopened.TrySetIfAbsentAsync("nonce:c", "1", TimeSpan.FromMinutes(10)));
        Assert.True(await reopened.TrySetIfAbsentAsync("nonce:d", "1", TimeSpan.FromMinutes(10)));
    }

    // Three nonces stored in a new journal, each its own record of the same size; the journal's path and where its first record ends.
    private async Task<(string Path, long FirstEnd)> WriteThreeNoncesAsync()
    {
        using var store = Open();
        Assert.Equal(0, store.JournalLength);
        Assert.True(await store.TrySetIfAbsentAsync("nonce:a", "1", TimeSpan.FromMinutes(10)));
        var firstEnd = store.JournalLength;
        Assert.True(await store.TrySetIfAbsentAsync("nonce:b", "1", TimeSpan.FromMinutes(10)));
        Assert.True(await store.TrySetIfAbsentAsync("nonce:c", "1", TimeSpan.FromMinutes(10)));
        Assert.Equal(3 * firstEnd, store.JournalLength);
        return (store.JournalPath!, firstEnd);
    }

    private static void FlipByte(string path, long offset)
    {
        using var file = new FileStream(path, FileMode.Open);
        file.Position = offset;
        var b = (byte)file.ReadByte();
        file.Position = offset;
        file.WriteByte((byte)(b ^ 0xff));
    }
}
