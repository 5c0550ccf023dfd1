using System.Text.Json;
using Gateway.Connectors.Kinds;
using Gateway.Policy;

namespace Gateway.Connectors.Envelopes;

/// <summary>
/// The request envelope of a governed action, built from its arguments by the connector's kind
/// (<see cref="ConnectorType.BuildEnvelope"/>): <c>http</c> fills its binding's path template,
/// <c>webhook</c> POSTs the arguments signed, <c>openai</c>/<c>anthropic</c> POST the provider-native
/// request, <c>mcp_tool</c> POSTs a JSON-RPC <c>tools/call</c> to its MCP server, <c>context</c> is
/// <c>GET ?scope=&amp;query=</c>. read_only refuses a call that would write
/// (<see cref="DegradeRefusedException"/>); dry_run adds <c>dry_run=true</c> to http and webhook calls.
/// Bad arguments raise <see cref="ConnectorArgumentException"/>.
/// </summary>
public static class UpstreamEnvelopes
{
    /// <summary>The Anthropic API version sent.</summary>
    public const string AnthropicVersion = "2023-06-01";

    /// <summary>The MCP protocol version the gateway speaks.</summary>
    public const string McpProtocolVersion = "2025-06-18";

    /// <summary>The envelope of <paramref name="entry"/> for <paramref name="args"/> under the decision's degrade form (null: none).</summary>
    public static UpstreamEnvelope Build(CatalogEntry entry, JsonElement args, DegradeSpec? degrade)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return entry.Type().BuildEnvelope(entry, args, degrade);
    }
}
