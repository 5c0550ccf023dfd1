using System.Buffers.Binary;
using System.Text;

namespace Gateway.Store;

/// <summary>One replayed <see cref="StateJournal"/> record's fields, in the order they were written.</summary>
public readonly struct StateJournalReader
{
    private readonly ReadOnlyMemory<byte> _payload;

    internal StateJournalReader(ReadOnlyMemory<byte> payload)
    {
        _payload = payload;
        var span = payload.Span;
        Operation = (StateJournalOperation)span[0];
        var offset = 1;
        Key = ReadString(span, ref offset);
        var expires = BinaryPrimitives.ReadInt64LittleEndian(span[offset..]);
        offset += 8;
        ExpiresAt = expires < 0 ? null : DateTimeOffset.FromUnixTimeMilliseconds(expires);
        FieldsOffset = offset;
    }

    public StateJournalOperation Operation { get; }

    public string Key { get; }

    public DateTimeOffset? ExpiresAt { get; }

    private int FieldsOffset { get; }

    /// <summary>The field of a <see cref="StateJournalOperation.PutField"/> record (whose value is <see cref="Text"/>).</summary>
    public string Field()
    {
        var offset = FieldsOffset;
        ReadString(_payload.Span, ref offset);
        return ReadString(_payload.Span, ref offset);
    }

    /// <summary>
    /// The text of a <see cref="StateJournalOperation.PutText"/>, <see cref="StateJournalOperation.AddMember"/>,
    /// <see cref="StateJournalOperation.AddMemberExtending"/>, <see cref="StateJournalOperation.RemoveMember"/> or
    /// <see cref="StateJournalOperation.PutField"/> record.
    /// </summary>
    public string Text()
    {
        var offset = FieldsOffset;
        return ReadString(_payload.Span, ref offset);
    }

    /// <summary>The value of a <see cref="StateJournalOperation.PutCounter"/> or <see cref="StateJournalOperation.PutDigest"/> record.</summary>
    public long Number() => BinaryPrimitives.ReadInt64LittleEndian(_payload.Span[FieldsOffset..]);

    /// <summary>The key's digest in a <see cref="StateJournalOperation.PutDigest"/> record.</summary>
    public UInt128 Digest()
    {
        var span = _payload.Span[(FieldsOffset + 8)..];
        return new UInt128(BinaryPrimitives.ReadUInt64LittleEndian(span[8..]), BinaryPrimitives.ReadUInt64LittleEndian(span));
    }

    /// <summary>The entries of an <see cref="StateJournalOperation.AppendLog"/> record, as UTF-8.</summary>
    public IReadOnlyList<byte[]> Entries()
    {
        var span = _payload.Span;
        var offset = FieldsOffset;
        var count = BinaryPrimitives.ReadInt64LittleEndian(span[offset..]);
        offset += 8;
        var entries = new List<byte[]>((int)Math.Min(count, 1024));
        for (var i = 0; i < count; i++)
        {
            var length = BinaryPrimitives.ReadInt32LittleEndian(span[offset..]);
            entries.Add(span.Slice(offset + 4, length).ToArray());
            offset += 4 + length;
        }

        return entries;
    }

    /// <summary>The seal of a <see cref="StateJournalOperation.SealLog"/> or <see cref="StateJournalOperation.RetireLog"/> record.</summary>
    public LogSeal Seal()
    {
        var span = _payload.Span;
        var offset = FieldsOffset;
        var fileId = BinaryPrimitives.ReadInt64LittleEndian(span[offset..]);
        var count = BinaryPrimitives.ReadInt64LittleEndian(span[(offset + 8)..]);
        var bytes = BinaryPrimitives.ReadInt64LittleEndian(span[(offset + 16)..]);
        offset += 24;
        var last = ReadString(span, ref offset);
        if (Operation != StateJournalOperation.RetireLog)
        {
            return new LogSeal(fileId, count, bytes, last);
        }

        var start = BinaryPrimitives.ReadInt64LittleEndian(span[offset..]);
        offset += 8;
        var note = ReadString(span, ref offset);
        return new LogSeal(fileId, count, bytes, last, start, note.Length == 0 ? null : note);
    }

    private static string ReadString(ReadOnlySpan<byte> span, ref int offset)
    {
        var length = BinaryPrimitives.ReadInt32LittleEndian(span[offset..]);
        offset += 4;
        var text = Encoding.UTF8.GetString(span.Slice(offset, length));
        offset += length;
        return text;
    }
}
