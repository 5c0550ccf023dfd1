using System.Text;

namespace Gateway.Proxy.Pipeline;

/// <summary>
/// One JSON-RPC message as a server-sent event, the way MCP's streamable HTTP frames it: its event id, <c>event: message</c>,
/// the JSON as its one data line (JSON has no raw line breaks), a blank line.
/// </summary>
internal static class SseMessageEvent
{
    private static ReadOnlySpan<byte> IdField => "id: "u8;

    private static ReadOnlySpan<byte> Prefix => "\nevent: message\ndata: "u8;

    private static ReadOnlySpan<byte> Suffix => "\n\n"u8;

    /// <summary>The whole event carrying <paramref name="json"/> under <paramref name="id"/> (ASCII, no line break).</summary>
    public static byte[] Frame(string id, ReadOnlySpan<byte> json)
    {
        ArgumentNullException.ThrowIfNull(id);
        var idLength = Encoding.ASCII.GetByteCount(id);
        var frame = new byte[IdField.Length + idLength + Prefix.Length + json.Length + Suffix.Length];
        var rest = frame.AsSpan();
        IdField.CopyTo(rest);
        rest = rest[IdField.Length..];
        rest = rest[Encoding.ASCII.GetBytes(id, rest)..];
        Prefix.CopyTo(rest);
        rest = rest[Prefix.Length..];
        json.CopyTo(rest);
        Suffix.CopyTo(rest[json.Length..]);
        return frame;
    }
}
