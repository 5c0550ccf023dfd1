using System.Collections.Concurrent;
using System.Security.Claims;
using ModelContextProtocol.Server;

namespace Gateway.Proxy.Mcp;

/// <summary>
/// The sessions of the gateway's MCP server (the official SDK's) running on this replica, by id, from the moment the SDK
/// starts one (an <c>initialize</c>, or a session continued here from another replica) until it ends: where a
/// notification for a session is sent (a subscribed resource's update, <see cref="McpResourceSubscriptions"/>). A client
/// hears a session's notifications on the replica that holds its <c>GET</c> stream, which is one of these; one ended on
/// another replica is ended here too when found so (<see cref="EndAsync"/>).
/// </summary>
internal sealed class McpServedSessions(McpServerSessionCloser closer, IServiceProvider services)
{
    private readonly ConcurrentDictionary<string, Running> _running = new(StringComparer.Ordinal);

    /// <summary>Runs <paramref name="server"/> (the SDK's session, started for <paramref name="user"/>) until it ends, known here meanwhile (the transport's session handler).</summary>
    public async Task RunAsync(McpServer server, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(server);
        var id = server.SessionId;
        var running = new Running(server, user);
        if (id is not null)
        {
            _running[id] = running;
        }

        try
        {
            await server.RunAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (id is not null)
            {
                _running.TryRemove(new KeyValuePair<string, Running>(id, running));
            }
        }
    }

    /// <summary>The running session <paramref name="sessionId"/>; false when this replica runs none by that id.</summary>
    public bool TryGet(string sessionId, out McpServer server)
    {
        var found = _running.TryGetValue(sessionId, out var running);
        server = running?.Server!;
        return found;
    }

    /// <summary>Ends the session <paramref name="sessionId"/> here, as its client's <c>DELETE /mcp</c> would (its <c>GET</c> stream closed), when this replica runs it.</summary>
    public async Task EndAsync(string sessionId)
    {
        if (_running.TryGetValue(sessionId, out var running))
        {
            // Under the user the SDK started it for: the SDK ends a session only for that user.
            await closer.CloseAsync(new DefaultHttpContext { RequestServices = services, User = running.User }, sessionId).ConfigureAwait(false);
        }
    }

    private sealed record Running(McpServer Server, ClaimsPrincipal User);
}
