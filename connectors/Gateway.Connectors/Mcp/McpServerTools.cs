using ModelContextProtocol.Protocol;

namespace Gateway.Connectors.Mcp;

/// <summary>What an MCP server serves today, as the gateway's own client last saw it.</summary>
/// <param name="Available">False when the server could not be reached or refused the listing.</param>
/// <param name="Tools">The tools as served (empty when unavailable).</param>
/// <param name="Failure">Why the server is unavailable (for logs and refusals; never a credential).</param>
public sealed record McpServerTools(bool Available, IReadOnlyList<Tool> Tools, string? Failure)
{
    /// <summary>The tool the server serves under <paramref name="name"/>, or null.</summary>
    public Tool? Find(string name)
    {
        foreach (var tool in Tools)
        {
            if (string.Equals(tool.Name, name, StringComparison.Ordinal))
            {
                return tool;
            }
        }

        return null;
    }
}
