using System.Text;

namespace Gateway.Proxy.Pipeline;

/// <summary>How an event of a <see cref="McpCallStream"/> is kept: a mark (<c>e</c> for the answer, which ends the stream, <c>m</c> otherwise) and the JSON-RPC message.</summary>
internal static class McpCallEvent
{
    public static string Format(ReadOnlySpan<byte> json, bool last) => (last ? "e" : "m") + Encoding.UTF8.GetString(json);

    /// <summary>The message and whether it ends the stream.</summary>
    public static (byte[] Json, bool Last) Parse(string kept) => (Encoding.UTF8.GetBytes(kept, 1, kept.Length - 1), IsLast(kept));

    /// <summary>True when the kept event is the answer, which ends the stream.</summary>
    public static bool IsLast(string kept) => kept.StartsWith('e');
}
