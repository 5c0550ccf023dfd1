using System.Text.Json;
using Gateway.Oversight;
using Gateway.Proxy.Refusals;

namespace Gateway.Proxy.Mcp;

/// <summary>
/// The protocol version a message to <c>/mcp</c> names (its <c>MCP-Protocol-Version</c> header, else its
/// <c>params._meta["io.modelcontextprotocol/protocolVersion"]</c>), checked before anything serves it, a governed call
/// included. One the gateway does not implement is refused with the 2026-07-28 revision's UnsupportedProtocolVersionError
/// (SEP-2575): HTTP 400, JSON-RPC <c>-32022</c>, <c>data.supported</c> the versions <c>server/discover</c> lists (the
/// ones a client may retry with) and <c>data.requested</c> the version asked for; <c>data.code</c> is
/// <c>mcp_unsupported_protocol_version</c>.
/// </summary>
internal static class McpProtocolVersionCheck
{
    /// <summary>The JSON-RPC code the MCP specification assigns to an unsupported protocol version.</summary>
    public const int UnsupportedCode = -32022;

    /// <summary>
    /// The versions the hosted SDK (ModelContextProtocol 2.3.1) implements: the initialize handshake's and, last, the one
    /// served per request. The SDK keeps its own list internal; an SDK upgrade that adds a version adds it here.
    /// </summary>
    private static readonly string[] Implemented = ["2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25", McpProtocolVersions.PerRequest];

    /// <summary>The refusal of a message that names a version the gateway does not implement; null when it names none, or one it does.</summary>
    public static Refusal? Check(IHeaderDictionary headers, JsonElement body)
    {
        ArgumentNullException.ThrowIfNull(headers);
        var requested = (string?)headers[McpProtocolVersions.Header] ?? McpProtocolVersions.Declared(body);

        if (requested is null || Implemented.Contains(requested, StringComparer.Ordinal))
        {
            return null;
        }

        return new Refusal(StatusCodes.Status400BadRequest, ProblemCodes.McpUnsupportedProtocolVersion,
            $"This gateway does not implement MCP protocol version '{RefusalText.Truncate(requested)}'; retry with one in data.supported.")
        {
            JsonRpcCode = UnsupportedCode,
            JsonRpcKeepsStatus = true,
            Members = writer =>
            {
                writer.WriteStartArray("supported"u8);
                writer.WriteStringValue(McpProtocolVersions.PerRequest);
                writer.WriteEndArray();
                writer.WriteString("requested"u8, requested);
            },
        };
    }
}
