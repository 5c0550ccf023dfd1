using System.Text.Json;
using Gateway.Connectors.Envelopes;
using Gateway.Policy;
using Microsoft.AspNetCore.Http;

namespace Gateway.Connectors.Kinds;

/// <summary>
/// <c>mcp</c>: an MCP server (streamable HTTP). Reached only through its transparent route, which
/// carries MCP JSON-RPC messages to the server's endpoint (POST, the GET event stream, the DELETE that
/// ends a session) and answers refusals as JSON-RPC errors; governed calls invoke its tools, each an
/// <c>mcp_tool</c> entry.
/// </summary>
public sealed class McpConnectorType : ConnectorType
{
    internal McpConnectorType()
        : base(ConnectorKind.Mcp)
    {
    }

    /// <inheritdoc/>
    public override bool IsMcpServer => true;

    /// <inheritdoc/>
    public override ErrorFormat ErrorFormat => ErrorFormat.JsonRpc;

    /// <inheritdoc/>
    public override string? NotInvocableReason(CatalogEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return $"'{entry.Name}' is an MCP server; invoke one of its tools (kind mcp_tool) instead.";
    }

    /// <summary>POST, GET or DELETE of the server's endpoint; what a message does is decided message by message.</summary>
    private protected override ProviderOperation? OperationFor(TenantPolicy tenant, CatalogEntry connector, string method, IReadOnlyList<string> segments) =>
        segments.Count == 0 && (HttpMethods.IsPost(method) || HttpMethods.IsGet(method) || HttpMethods.IsDelete(method))
            ? new ProviderOperation(connector, Writes: false, [])
            : null;

    /// <summary>None: an MCP server is reached through the transparent route; always raises <see cref="ConnectorArgumentException"/>.</summary>
    private protected override UpstreamEnvelope EnvelopeFor(CatalogEntry entry, JsonElement args, DegradeSpec? degrade) =>
        throw new ConnectorArgumentException($"connector '{entry.Name}' of kind {entry.Kind} is reached through the transparent route, not a governed action.");
}
