using System.Globalization;
using System.Text.Json;
using Gateway.Connectors.Envelopes;
using Gateway.Connectors.Mcp;
using Gateway.Policy;

namespace Gateway.Connectors.Kinds;

/// <summary>
/// <c>mcp_tool</c>: one tool of an MCP server (the entry's <c>connector</c>), so that permissions scope
/// MCP tools one by one. It has no upstream of its own: a governed call is a JSON-RPC
/// <c>tools/call</c> POSTed to the server, and its result is the reply's <c>result</c> (or <c>error</c>).
/// </summary>
public sealed class McpToolConnectorType : ConnectorType
{
    private static long _nextJsonRpcId;

    internal McpToolConnectorType()
        : base(ConnectorKind.McpTool)
    {
    }

    /// <inheritdoc/>
    public override bool ResultIsJsonRpcReply => true;

    /// <inheritdoc/>
    public override bool HasOwnUpstream => false;

    /// <summary>The MCP server's name (the entry's <c>connector</c>).</summary>
    public override string? ForwardedConnectorName(CatalogEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return entry.Connector;
    }

    /// <summary>The MCP server, when it is in the catalog with an upstream.</summary>
    public override CatalogEntry? ForwardedEntry(TenantPolicy tenant, CatalogEntry entry)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        ArgumentNullException.ThrowIfNull(entry);
        return entry.Connector is { } server && tenant.TryGetCatalogEntry(server, out var found) && found?.Upstream is not null ? found : null;
    }

    /// <summary>None: a tool is reached through its server's route, as a <c>tools/call</c>.</summary>
    private protected override ProviderOperation? OperationFor(TenantPolicy tenant, CatalogEntry connector, string method, IReadOnlyList<string> segments) => null;

    /// <summary>
    /// A JSON-RPC <c>tools/call</c> of the entry's tool with <paramref name="args"/> (an object, else
    /// none), under a fresh id; read_only refuses unless the action type reads, and dry_run an argument that names a dry run
    /// itself (a server that reads it rather than the gateway's <c>X-Gamut-Dry-Run</c> would act).
    /// </summary>
    private protected override UpstreamEnvelope EnvelopeFor(CatalogEntry entry, JsonElement args, DegradeSpec? degrade)
    {
        RefuseWriteUnderReadOnly(entry, degrade?.Mode);
        RefuseDryRunArgument(entry, args, degrade?.Mode);
        var toolName = entry.McpTool ?? throw new ConnectorArgumentException($"connector '{entry.Name}' names no MCP tool.");
        var id = Interlocked.Increment(ref _nextJsonRpcId).ToString(CultureInfo.InvariantCulture);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("jsonrpc"u8, "2.0");
            writer.WritePropertyName("id"u8);
            writer.WriteRawValue(id, skipInputValidation: true);
            writer.WriteString("method"u8, "tools/call");
            writer.WriteStartObject("params"u8);
            writer.WriteString("name"u8, toolName);
            writer.WritePropertyName("arguments"u8);
            (args.ValueKind == JsonValueKind.Object ? args : EmptyObject).WriteTo(writer);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return McpServerRequestEnvelope.Post(buffer.ToArray(), id);
    }
}
