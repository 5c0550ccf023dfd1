namespace Gateway.Proxy.Mcp;

/// <summary>
/// Where a governed call on <c>/mcp</c> went: the agent who made it, the MCP server's catalog entry, the upstream it was
/// sent to and the gateway's session with that server, so that an answer to the server's request reaches the same session.
/// </summary>
internal sealed record McpCallOrigin(string Tenant, string Agent, string Server, string Upstream, string? Session);
