using System.Buffers;
using System.Buffers.Binary;
using System.IO.Hashing;
using Microsoft.Win32.SafeHandles;

namespace Gateway.Store;

// Where a replay stops short of the file's end. A torn tail (a crash mid-write: part of the last group, then its missing
// rest, zeros or the file's end) is cut off at open. A record that does not read whole with a whole record after it is
// damage (bit rot, a bad sector, a hand edit) or, rarely, a group whose later blocks reached the disk before its earlier
// ones when the machine lost power: the records after it may be changes the store acknowledged, so the journal is not
// opened and the file is left as it is, for an operator to look at (docs/operations.md, "A damaged journal").
public sealed partial class StateJournal
{
    // After a record group: the operation, an empty key (4 bytes) and no expiry (8 bytes) come before its records.
    private const int GroupPrefixBytes = 1 + 4 + 8;

    /// <summary>Throws when a whole record lies after the record at <paramref name="bad"/>, which does not read whole.</summary>
    /// <exception cref="StateStoreUnavailableException">A whole record follows: the message names the file and both offsets.</exception>
    private static void ThrowIfRecordsFollow(FileStream file, long bad)
    {
        var end = file.Length;
        var handle = file.SafeFileHandle;
        var next = FindWholeRecord(handle, ScanStart(handle, bad, end), end);
        if (next < 0)
        {
            return;
        }

        throw new StateStoreUnavailableException(
            $"The embedded store's journal {file.Name} is damaged at byte offset {bad} (of {end}): the record there does not read " +
            $"whole (its length or checksum fails), yet a whole record follows it at byte offset {next}. The records after the " +
            "damage may be changes the store acknowledged, so the store does not open rather than cut them off; the file is left " +
            "as it is. Copy it aside and follow \"A damaged journal\" in docs/operations.md.");
    }

    // Where records after the bad one may start. Past the bytes it claims when its length is plausible and they lie inside
    // the file (a payload that fails its checksum: damaged, or torn into the zeros the file runs on in). When they run past
    // the file's end and it is a group, after the whole records inside it that reached the disk (a torn group holds whole
    // records of its own, which follow nothing). Else the byte after its start.
    private static long ScanStart(SafeFileHandle handle, long bad, long end)
    {
        Span<byte> header = stackalloc byte[HeaderBytes + 1];
        var read = RandomAccess.Read(handle, header, bad);
        if (read < HeaderBytes)
        {
            return bad + 1;
        }

        var length = BinaryPrimitives.ReadInt32LittleEndian(header);
        if (length <= 0 || length > MaxRecordBytes)
        {
            return bad + 1;
        }

        if (bad + HeaderBytes + length <= end)
        {
            return bad + HeaderBytes + length;
        }

        return read > HeaderBytes && header[HeaderBytes] == (byte)StateJournalOperation.Group
            ? AfterWholeRecords(handle, bad + HeaderBytes + GroupPrefixBytes, end)
            : bad + 1;
    }

    // Where the run of whole records from `at` ends (the first that is not whole, or the end).
    private static long AfterWholeRecords(SafeFileHandle handle, long at, long end)
    {
        Span<byte> header = stackalloc byte[HeaderBytes];
        while (at + HeaderBytes <= end && RandomAccess.Read(handle, header, at) == HeaderBytes)
        {
            var length = BinaryPrimitives.ReadInt32LittleEndian(header);
            if (length <= 0 || length > MaxRecordBytes || at + HeaderBytes + length > end
                || !ChecksumHolds(handle, at + HeaderBytes, length, BinaryPrimitives.ReadUInt32LittleEndian(header[4..])))
            {
                break;
            }

            at += HeaderBytes + length;
        }

        return at;
    }

    // The first offset from `from` at which a whole record lies (a plausible length that fits the file, its checksum
    // holding), or -1. Zeros and a torn record's rest read as no record, byte by byte.
    private static long FindWholeRecord(SafeFileHandle handle, long from, long end)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            long bufferAt = from;
            var count = 0;
            for (var at = from; at + HeaderBytes < end; at++)
            {
                if (at + HeaderBytes > bufferAt + count)
                {
                    bufferAt = at;
                    count = RandomAccess.Read(handle, buffer, at);
                    if (count < HeaderBytes)
                    {
                        return -1;
                    }
                }

                var header = buffer.AsSpan((int)(at - bufferAt), HeaderBytes);
                var length = BinaryPrimitives.ReadInt32LittleEndian(header);
                if (length <= 0 || length > MaxRecordBytes || at + HeaderBytes + length > end)
                {
                    continue;
                }

                var crc = BinaryPrimitives.ReadUInt32LittleEndian(header[4..]);
                var payloadAt = at + HeaderBytes;
                var whole = payloadAt + length <= bufferAt + count
                    ? Crc32.HashToUInt32(buffer.AsSpan((int)(payloadAt - bufferAt), length)) == crc
                    : ChecksumHolds(handle, payloadAt, length, crc);
                if (whole)
                {
                    return at;
                }
            }

            return -1;
        }
        finally
        {
            // The journal's records (the store's values) are not left in the pool.
            ArrayPool<byte>.Shared.Return(buffer, clearArray: true);
        }
    }

    private static bool ChecksumHolds(SafeFileHandle handle, long at, int length, uint crc)
    {
        var payload = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            return RandomAccess.Read(handle, payload.AsSpan(0, length), at) == length && Crc32.HashToUInt32(payload.AsSpan(0, length)) == crc;
        }
        finally
        {
            payload.AsSpan(0, length).Clear();
            ArrayPool<byte>.Shared.Return(payload);
        }
    }
}
