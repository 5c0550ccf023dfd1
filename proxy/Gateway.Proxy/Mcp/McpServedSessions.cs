using System.Collections.Concurrent;
using ModelContextProtocol.Server;

namespace Gateway.Proxy.Mcp;

/// <summary>
/// The sessions of the gateway's MCP server (the official SDK's) running on this replica, by id, from the moment the SDK
/// starts one (an <c>initialize</c>, or a session continued here from another replica) until it ends: where a
/// notification for a session is sent (a subscribed resource's update, <see cref="McpResourceSubscriptions"/>). A client
/// hears a session's notifications on the replica that holds its <c>GET</c> stream, which is one of these.
/// </summary>
internal sealed class McpServedSessions
{
    private readonly ConcurrentDictionary<string, McpServer> _running = new(StringComparer.Ordinal);

    /// <summary>Runs <paramref name="server"/> (the SDK's session) until it ends, known here meanwhile (the transport's session handler).</summary>
    public async Task RunAsync(McpServer server, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(server);
        var id = server.SessionId;
        if (id is not null)
        {
            _running[id] = server;
        }

        try
        {
            await server.RunAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (id is not null)
            {
                _running.TryRemove(new KeyValuePair<string, McpServer>(id, server));
            }
        }
    }

    /// <summary>The running session <paramref name="sessionId"/>; false when this replica runs none by that id.</summary>
    public bool TryGet(string sessionId, out McpServer server) => _running.TryGetValue(sessionId, out server!);
}
