namespace Gateway.Proxy.Mcp;

/// <summary>Marks the MCP server's own endpoint on <c>/mcp</c>, which <c>Hosting/McpEndpointGate.cs</c> stands before.</summary>
internal sealed class McpServerEndpointMetadata
{
    public static readonly McpServerEndpointMetadata Instance = new();

    private McpServerEndpointMetadata()
    {
    }
}
