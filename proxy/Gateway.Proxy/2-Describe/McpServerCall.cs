using System.Text.Json;
using Gateway.Connectors.Results;

namespace Gateway.Proxy.Describe;

/// <summary>
/// A request on <c>/mcp</c> to a server's prompt or resource (a get, a read, a subscription, a completion) as its MCP
/// server receives it: the method and its params (with the server's own names).
/// </summary>
internal sealed record McpServerCall(string Method, JsonElement Params)
{
    /// <summary>
    /// What the kind does with the server's answer, in Forward as it is read (after the decision was recorded, before the
    /// answer goes back): a completion's values narrowed to what the caller may read, a subscription relayed from then on.
    /// Null: the answer passes as it is.
    /// </summary>
    public Func<ConnectorResult, CancellationToken, ValueTask<ConnectorResult>>? Answered { get; init; }
}
