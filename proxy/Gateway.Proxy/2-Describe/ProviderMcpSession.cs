using Gateway.Proxy.Mcp;

namespace Gateway.Proxy.Describe;

/// <summary>
/// The session of a request on an MCP server's per-server route, as Describe verified it (<see cref="McpSessionBinding"/>):
/// whose it is, and the upstream's own id the agent's bound one stands for (null: the request named none).
/// </summary>
/// <param name="Owner">The caller and the server: what an answer's new session id is bound to.</param>
/// <param name="UpstreamSessionId">The upstream's session id sent on as <c>Mcp-Session-Id</c>; null sends none (nor <c>Last-Event-ID</c>).</param>
internal sealed record ProviderMcpSession(McpSessionOwner Owner, string? UpstreamSessionId)
{
    /// <summary>No <c>Mcp-Param-*</c> header: none goes on.</summary>
    public static readonly IReadOnlySet<string> NoParamHeaders = new HashSet<string>();

    /// <summary>The <c>Mcp-Param-*</c> headers Describe found to agree with the body (<see cref="McpParamHeaders"/>): the only ones sent on.</summary>
    public IReadOnlySet<string> ParamHeaders { get; init; } = NoParamHeaders;
}
