namespace Gateway.Proxy.Pipeline;

/// <summary>
/// One JSON-RPC message as a server-sent event, the way MCP's streamable HTTP frames it: <c>event: message</c>, the JSON
/// as its one data line (JSON has no raw line breaks), a blank line.
/// </summary>
internal static class SseMessageEvent
{
    public static ReadOnlySpan<byte> Prefix => "event: message\ndata: "u8;

    public static ReadOnlySpan<byte> Suffix => "\n\n"u8;

    /// <summary>The whole event carrying <paramref name="json"/>.</summary>
    public static byte[] Frame(ReadOnlySpan<byte> json)
    {
        var frame = new byte[Prefix.Length + json.Length + Suffix.Length];
        Prefix.CopyTo(frame);
        json.CopyTo(frame.AsSpan(Prefix.Length));
        Suffix.CopyTo(frame.AsSpan(Prefix.Length + json.Length));
        return frame;
    }
}
