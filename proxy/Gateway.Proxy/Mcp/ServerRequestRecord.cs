namespace Gateway.Proxy.Mcp;

/// <summary>
/// What the state store keeps of a request an MCP server sent the client mid-call on <c>/mcp</c>: whose call it was, and
/// where the client's answer goes (the server's catalog entry, the upstream it was reached at, the gateway's session
/// with it and the request's own id as raw JSON).
/// </summary>
internal sealed record ServerRequestRecord(string Agent, string Server, string Upstream, string? Session, string Id, string Method);
