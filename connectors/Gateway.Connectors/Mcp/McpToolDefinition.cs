using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Policy.Tools;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace Gateway.Connectors.Mcp;

/// <summary>A served MCP tool definition as JSON, and its digest (what a catalog entry's <c>pin</c> holds).</summary>
public static class McpToolDefinition
{
    /// <summary>The tool as it is sent on the wire.</summary>
    public static JsonElement ToJson(Tool tool) => JsonSerializer.SerializeToElement(tool, McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(Tool)));

    /// <summary><c>sha256:…</c> over the tool's name, title, description, schemas and annotations (<see cref="ToolDefinitionDigest"/>).</summary>
    public static string Digest(Tool tool) => ToolDefinitionDigest.Compute(ToJson(tool));

    /// <summary>
    /// The digest of a definition relayed as JSON (a <c>tools/list</c> answer passing through), read as the gateway's
    /// own client reads it so that it matches <see cref="Digest(Tool)"/>; null when it cannot be read as a tool.
    /// </summary>
    public static string? DigestOfRelayed(JsonObject served)
    {
        ArgumentNullException.ThrowIfNull(served);
        try
        {
            return JsonSerializer.Deserialize(served, McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(Tool))) is Tool tool ? Digest(tool) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
