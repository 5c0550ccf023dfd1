using Gateway.Policy;

namespace Gateway.Connectors.Mcp;

/// <summary>
/// Marks an outgoing MCP <c>tools/call</c> that goes on the gateway's session with its server: which tenant and server
/// (the connector) it belongs to. Set on the proxy request's options by the host with the call's body (to send it again
/// on a new session); read by <see cref="McpSessionHandler"/>.
/// </summary>
public sealed record McpSession(string Tenant, CatalogEntry Server, ReadOnlyMemory<byte> Body)
{
    /// <summary>
    /// The person a call acts for with their own credential (issuer and subject), whose calls go on a session of their
    /// own: never on another person's, whose identity or state a server may keep on its session. Null for the connector's.
    /// </summary>
    public string? Person { get; init; }

    /// <summary>The request option carrying the marker.</summary>
    public static readonly HttpRequestOptionsKey<McpSession> OptionKey = new("Gamut.McpSession");
}
