namespace Gateway.Connectors;

/// <summary>Which MCP connector and tool an <see cref="ConnectorKind.McpTool"/> connector calls.</summary>
/// <param name="Connector">Name of the <see cref="ConnectorKind.Mcp"/> connector that serves the tool.</param>
/// <param name="ToolName">The tool's name on that server.</param>
public sealed record McpToolBinding(string Connector, string ToolName);
