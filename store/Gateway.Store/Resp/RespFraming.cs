using System.Buffers;
using System.Buffers.Text;

namespace Gateway.Store.Resp;

/// <summary>The few byte sequences every RESP2 frame is made of.</summary>
internal static class RespFraming
{
    public static ReadOnlySpan<byte> CrLf => "\r\n"u8;

    /// <summary>Writes <c>&lt;prefix&gt;&lt;n&gt;\r\n</c>, the header of an array (<c>*</c>) or bulk string (<c>$</c>).</summary>
    public static void WriteHeader(IBufferWriter<byte> writer, byte prefix, long length)
    {
        var span = writer.GetSpan(24);
        span[0] = prefix;
        if (!Utf8Formatter.TryFormat(length, span[1..], out var written))
        {
            throw new InvalidOperationException("A RESP length did not fit its header.");
        }

        span[1 + written] = (byte)'\r';
        span[2 + written] = (byte)'\n';
        writer.Advance(3 + written);
    }
}
