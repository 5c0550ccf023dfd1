using System.Buffers;
using System.Buffers.Text;

namespace Gateway.Store.Resp;

/// <summary>
/// Parses RESP2 replies out of a byte sequence that may hold a partial reply. Nothing is consumed
/// until a whole reply (including every element of nested arrays) is available.
/// </summary>
internal static class RespReplyParser
{
    /// <summary>Redis's own default limit (proto-max-bulk-len).</summary>
    public const int MaxBulkLength = 512 * 1024 * 1024;

    private const int MaxDepth = 32;
    private const int MaxArrayLength = 16 * 1024 * 1024;

    /// <summary>
    /// Reads one reply from the front of <paramref name="buffer"/>. On success, <paramref name="buffer"/>
    /// is sliced past it; when the reply is incomplete, returns false and leaves it unchanged.
    /// </summary>
    /// <exception cref="RespProtocolException">The bytes are not RESP2.</exception>
    public static bool TryParse(ref ReadOnlySequence<byte> buffer, out RespValue reply)
    {
        var reader = new SequenceReader<byte>(buffer);
        if (!TryRead(ref reader, 0, out reply))
        {
            return false;
        }

        buffer = buffer.Slice(reader.Position);
        return true;
    }

    private static bool TryRead(ref SequenceReader<byte> reader, int depth, out RespValue reply)
    {
        reply = default;
        if (!reader.TryRead(out var prefix) || !reader.TryReadTo(out ReadOnlySpan<byte> line, RespFraming.CrLf))
        {
            return false;
        }

        switch (prefix)
        {
            case (byte)'+':
                reply = RespValue.SimpleString(line.ToArray());
                return true;
            case (byte)'-':
                reply = RespValue.Error(line.ToArray());
                return true;
            case (byte)':':
                reply = RespValue.FromInteger(ParseLength(line, long.MinValue, long.MaxValue));
                return true;
            case (byte)'$':
                return TryReadBulk(ref reader, line, out reply);
            case (byte)'*':
                return TryReadArray(ref reader, line, depth, out reply);
            default:
                throw new RespProtocolException($"Unexpected RESP type byte 0x{prefix:X2}.");
        }
    }

    private static bool TryReadBulk(ref SequenceReader<byte> reader, ReadOnlySpan<byte> line, out RespValue reply)
    {
        reply = default;
        var length = ParseLength(line, -1, MaxBulkLength);
        if (length < 0)
        {
            return true;
        }

        if (reader.Remaining < length + 2)
        {
            return false;
        }

        var bytes = new byte[length];
        reader.TryCopyTo(bytes);
        reader.Advance(length);
        if (!reader.IsNext(RespFraming.CrLf, advancePast: true))
        {
            throw new RespProtocolException("A bulk string was not terminated by CRLF.");
        }

        reply = RespValue.BulkString(bytes);
        return true;
    }

    private static bool TryReadArray(ref SequenceReader<byte> reader, ReadOnlySpan<byte> line, int depth, out RespValue reply)
    {
        reply = default;
        var count = ParseLength(line, -1, MaxArrayLength);
        if (count < 0)
        {
            return true;
        }

        if (depth >= MaxDepth)
        {
            throw new RespProtocolException($"Replies nested deeper than {MaxDepth} arrays are not supported.");
        }

        var items = count == 0 ? [] : new RespValue[count];
        for (var i = 0; i < items.Length; i++)
        {
            if (!TryRead(ref reader, depth + 1, out items[i]))
            {
                return false;
            }
        }

        reply = RespValue.FromArray(items);
        return true;
    }

    private static long ParseLength(ReadOnlySpan<byte> line, long min, long max)
    {
        if (!Utf8Parser.TryParse(line, out long value, out var consumed) || consumed != line.Length || value < min || value > max)
        {
            throw new RespProtocolException("A RESP length or integer is malformed or out of range.");
        }

        return value;
    }
}
