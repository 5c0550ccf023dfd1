using System.Buffers;
using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;

namespace Gateway.Store;

// The journal's records (see the remarks on StateJournal): replayed at open, written for each change and snapshot.
public sealed partial class StateJournal
{
    // Replays every whole record in order; returns where they end: the file's end, or a torn tail to cut off there. A record
    // that does not read whole with a whole record after it is damage, not a torn write: ThrowIfRecordsFollow refuses it.
    private static long ReplayInto(FileStream file, Action<StateJournalReader> replay)
    {
        file.Seek(0, SeekOrigin.Begin);
        var end = file.Length;
        var header = new byte[HeaderBytes];
        var payload = new byte[4096];
        long good = 0;
        while (true)
        {
            if (file.ReadAtLeast(header, HeaderBytes, throwOnEndOfStream: false) < HeaderBytes)
            {
                return good;
            }

            var length = BinaryPrimitives.ReadInt32LittleEndian(header);
            var crc = BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(4));
            if (length <= 0 || length > MaxRecordBytes || good + HeaderBytes + length > end)
            {
                ThrowIfRecordsFollow(file, good);
                return good;
            }

            if (payload.Length < length)
            {
                payload = new byte[Math.Max(length, payload.Length * 2)];
            }

            if (file.ReadAtLeast(payload.AsSpan(0, length), length, throwOnEndOfStream: false) < length
                || Crc32.HashToUInt32(payload.AsSpan(0, length)) != crc)
            {
                ThrowIfRecordsFollow(file, good);
                return good;
            }

            ReplayRecord(payload.AsMemory(0, length), replay);
            good += HeaderBytes + length;
        }
    }

    /// <summary>Encodes one operation into <paramref name="scratch"/> and writes it to <paramref name="records"/> as a framed record.</summary>
    internal static void WriteRecord(IBufferWriter<byte> records, ArrayBufferWriter<byte> scratch, StateJournalOperation operation, string key,
        DateTimeOffset? expiresAt, string? text = null, long number = 0, IReadOnlyList<byte[]>? entries = null, string? field = null, LogSeal? seal = null,
        UInt128 digest = default)
    {
        if (operation == StateJournalOperation.SealLog && seal is { Start: > 0 })
        {
            // A seal of a log whose first entries are retired says so, whoever writes it (a sealing, a rewrite).
            operation = StateJournalOperation.RetireLog;
        }

        scratch.ResetWrittenCount();
        WriteByte(scratch, (byte)operation);
        WriteString(scratch, key);
        WriteInt64(scratch, expiresAt?.ToUnixTimeMilliseconds() ?? -1);
        switch (operation)
        {
            case StateJournalOperation.PutText:
            case StateJournalOperation.AddMember:
            case StateJournalOperation.AddMemberExtending:
            case StateJournalOperation.RemoveMember:
                WriteString(scratch, text ?? string.Empty);
                break;
            case StateJournalOperation.PutCounter:
                WriteInt64(scratch, number);
                break;
            case StateJournalOperation.PutDigest:
                WriteInt64(scratch, number);
                WriteInt64(scratch, (long)(ulong)digest);
                WriteInt64(scratch, (long)(ulong)(digest >> 64));
                break;
            case StateJournalOperation.PutField:
                ArgumentNullException.ThrowIfNull(field);
                WriteString(scratch, text ?? string.Empty);
                WriteString(scratch, field);
                break;
            case StateJournalOperation.AppendLog:
                ArgumentNullException.ThrowIfNull(entries);
                WriteInt64(scratch, entries.Count);
                foreach (var entry in entries)
                {
                    WriteBytes(scratch, entry);
                }

                break;
            case StateJournalOperation.SealLog or StateJournalOperation.RetireLog:
                var sealing = seal ?? throw new ArgumentNullException(nameof(seal));
                WriteInt64(scratch, sealing.FileId);
                WriteInt64(scratch, sealing.Count);
                WriteInt64(scratch, sealing.Bytes);
                WriteString(scratch, sealing.Last);
                if (operation == StateJournalOperation.RetireLog)
                {
                    WriteInt64(scratch, sealing.Start);
                    WriteString(scratch, sealing.Note ?? string.Empty);
                }

                break;
            case StateJournalOperation.Delete:
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(operation));
        }

        WriteRecord(records, scratch.WrittenSpan);
    }

    /// <summary>Writes one framed record (<c>[length][crc32][payload]</c>).</summary>
    private static void WriteRecord(IBufferWriter<byte> writer, ReadOnlySpan<byte> payload)
    {
        var span = writer.GetSpan(HeaderBytes + payload.Length);
        BinaryPrimitives.WriteInt32LittleEndian(span, payload.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(span[4..], Crc32.HashToUInt32(payload));
        payload.CopyTo(span[HeaderBytes..]);
        writer.Advance(HeaderBytes + payload.Length);
    }

    private static void WriteByte(IBufferWriter<byte> writer, byte value)
    {
        writer.GetSpan(1)[0] = value;
        writer.Advance(1);
    }

    private static void WriteInt64(IBufferWriter<byte> writer, long value)
    {
        BinaryPrimitives.WriteInt64LittleEndian(writer.GetSpan(8), value);
        writer.Advance(8);
    }

    // An entry as it is stored: UTF-8, written as WriteString writes its text.
    private static void WriteBytes(IBufferWriter<byte> writer, ReadOnlySpan<byte> value)
    {
        var span = writer.GetSpan(4 + value.Length);
        BinaryPrimitives.WriteInt32LittleEndian(span, value.Length);
        value.CopyTo(span[4..]);
        writer.Advance(4 + value.Length);
    }

    private static void WriteString(IBufferWriter<byte> writer, string value)
    {
        var length = Encoding.UTF8.GetByteCount(value);
        var span = writer.GetSpan(4 + length);
        BinaryPrimitives.WriteInt32LittleEndian(span, length);
        Encoding.UTF8.GetBytes(value, span[4..]);
        writer.Advance(4 + length);
    }
}
