using System.Text.Json;
using Gateway.Connectors.Mcp;

namespace Gateway.Proxy.Mcp;

/// <summary>The MCP protocol version a message names, in its header and in its <c>params._meta</c>, and the revision served per request.</summary>
internal static class McpProtocolVersions
{
    /// <summary>
    /// The revision served per request, without a session (the one <c>server/discover</c> lists): from it on, results
    /// carry <c>resultType</c> and the mirrored headers are required (SEP-2243).
    /// </summary>
    public const string PerRequest = "2026-07-28";

    /// <summary>The header a client names its version in.</summary>
    public const string Header = "MCP-Protocol-Version";

    private const string MetaKey = "io.modelcontextprotocol/protocolVersion";

    /// <summary>The version <paramref name="message"/> declares in <c>params._meta</c>; null when it declares none as a string.</summary>
    public static string? Declared(JsonElement message) =>
        JsonRpcMeta.TryGet(message, MetaKey, out var declared) && declared.ValueKind == JsonValueKind.String ? declared.GetString() : null;
}
