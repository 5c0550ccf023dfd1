namespace Gateway.Proxy.Describe;

/// <summary>
/// The state of a message on <c>/mcp</c> that the gateway serves itself (<see cref="LocalAction.State"/>): an
/// <c>initialize</c>, a listing, a ping, a resumed event stream (<c>GET</c> with <c>Last-Event-ID</c>), a client's answer to
/// a request an MCP server sent it mid-call, a <c>notifications/cancelled</c>, the session's <c>DELETE</c>.
/// </summary>
/// <param name="Message">The message, as read once.</param>
/// <param name="SessionId">The session it names (<c>Mcp-Session-Id</c>), live and the agent's; null for none.</param>
internal sealed record McpServedMessage(McpMessage Message, string? SessionId)
{
    /// <summary>
    /// An <c>initialize</c> of an agent at its session limit: recorded as making its least recently used idle session give
    /// way, which the destination ends before it opens the new one.
    /// </summary>
    public bool MakesRoom { get; init; }
}
