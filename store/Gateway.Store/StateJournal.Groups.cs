using System.Buffers;
using System.Buffers.Binary;
using System.IO.Hashing;

namespace Gateway.Store;

// Groups of records written as one record (StateJournalOperation.Group): an append and the admissions it carries.
public sealed partial class StateJournal
{
    private readonly ArrayBufferWriter<byte> _group = new(1024);
    private ArrayBufferWriter<byte>? _grouped;

    /// <summary>
    /// Starts a group (under the store's lock): the records appended until <see cref="EndGroup"/> are written as one
    /// record, so that a crash keeps all of them or none (a torn record is cut off at open).
    /// </summary>
    public void BeginGroup()
    {
        lock (_lock)
        {
            if (_failure is not null)
            {
                throw Unavailable(_failure);
            }

            _group.ResetWrittenCount();
            _grouped = _group;
        }
    }

    /// <summary>Ends the group: its records as one record; its sequence number (0 when the group holds none).</summary>
    public long EndGroup()
    {
        lock (_lock)
        {
            var group = _grouped;
            _grouped = null;
            if (group is null || group.WrittenCount == 0)
            {
                return 0;
            }

            _scratch.ResetWrittenCount();
            WriteByte(_scratch, (byte)StateJournalOperation.Group);
            WriteString(_scratch, string.Empty);
            WriteInt64(_scratch, -1);
            _scratch.Write(group.WrittenSpan);
            WriteRecord(_pending, _scratch.WrittenSpan);
            group.ResetWrittenCount();
            return ++_appended;
        }
    }

    // A record, or each record of a group in order.
    private static void ReplayRecord(ReadOnlyMemory<byte> payload, Action<StateJournalReader> replay)
    {
        if (payload.Span[0] != (byte)StateJournalOperation.Group)
        {
            replay(new StateJournalReader(payload));
            return;
        }

        // After the operation, an empty key (4 bytes) and no expiry (8 bytes): the group's records, each framed.
        var records = payload[(1 + 4 + 8)..];
        while (!records.IsEmpty)
        {
            var span = records.Span;
            var length = span.Length < HeaderBytes ? -1 : BinaryPrimitives.ReadInt32LittleEndian(span);
            if (length <= 0 || length > span.Length - HeaderBytes
                || Crc32.HashToUInt32(span.Slice(HeaderBytes, length)) != BinaryPrimitives.ReadUInt32LittleEndian(span[4..]))
            {
                // The group's own checksum held, so this is no torn write: refuse to open rather than replay half a group.
                throw new StateStoreUnavailableException("The embedded store's journal holds a malformed group.");
            }

            replay(new StateJournalReader(records.Slice(HeaderBytes, length)));
            records = records[(HeaderBytes + length)..];
        }
    }
}
