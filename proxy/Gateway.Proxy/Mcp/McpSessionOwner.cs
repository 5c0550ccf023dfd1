namespace Gateway.Proxy.Mcp;

/// <summary>Who an upstream MCP session on a per-server route belongs to: the tenant, the exact agent that authenticated, the server's connector.</summary>
/// <param name="Tenant">The agent's tenant.</param>
/// <param name="Agent">The agent id that signed the request (a delegated child's own id, not its root's).</param>
/// <param name="Connector">The MCP server's catalog entry.</param>
internal readonly record struct McpSessionOwner(string Tenant, string Agent, string Connector);
