using System.Collections.Concurrent;
using Gateway.Oversight.Agents;

namespace Gateway.Proxy.Mcp;

/// <summary>
/// The event streams open on an MCP server's own route <c>/providers/&lt;server&gt;</c> (a <c>GET</c> carrying the server's
/// notifications and requests, passed on as they come but for the resource updates each checked): one ends once a kill
/// switch thrown through this replica stops its caller (<see cref="AgentStatusService.IsStoppedAsync"/>, as <c>/mcp</c>
/// ends a stopped agent's calls), so nothing the server sends after it reaches the stopped agent; one thrown before the
/// stream opened (between its admission and the server's answer) ends it as it opens, its switches read once then. A switch
/// thrown through another replica stops each resource update the stream carries (<see cref="MayHearAsync"/>) and every later request.
/// </summary>
internal sealed partial class McpResourceSubscriptions
{
    private readonly ConcurrentDictionary<OpenStream, byte> _openStreams = new();

    /// <summary>Ends the event stream <paramref name="context"/> answers with, of <paramref name="listener"/>'s caller, now if a kill switch stops it, else once one thrown through this replica does; until the request ends.</summary>
    public void EndWhenStopped(HttpContext context, Listener listener)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(listener);
        var stream = new OpenStream(this, context, listener);
        _openStreams.TryAdd(stream, 0);
        context.Response.RegisterForDispose(stream);

        // Read once it is open (not on the response's own path): a switch thrown since its admission, its notice raised before the stream was there to end.
        _ = Task.Run(() => EndIfStoppedAsync(stream), CancellationToken.None);
    }

    // A switch of agent (of the whole tenant when null): each stream of its caller (a child's agent's included) a switch now stops ends.
    private void OnSwitched(string tenant, string? agent) => _ = EndStoppedStreamsAsync(tenant, agent);

    private async Task EndStoppedStreamsAsync(string tenant, string? agent)
    {
        foreach (var stream in _openStreams.Keys)
        {
            var switches = stream.Listener.Switches;
            if (switches.Tenant != tenant || (agent is not null && switches.Agent != agent && switches.RegisteredAgent != agent))
            {
                continue;
            }

            await EndIfStoppedAsync(stream).ConfigureAwait(false);
        }
    }

    // Ends the stream when a kill switch stops its caller now; fail closed: a stream whose caller's switches cannot be read is ended too.
    private async Task EndIfStoppedAsync(OpenStream stream)
    {
        var switches = stream.Listener.Switches;
        try
        {
            if (await _agents.IsStoppedAsync(switches).ConfigureAwait(false))
            {
                stream.End();
            }
        }
        catch (Exception ex)
        {
            LogUnchecked(_logger, switches.Agent, switches.Tenant, ex.GetType().Name);
            stream.End();
        }
    }

    /// <summary>One open stream: ended (its request aborted) at most while the request runs, never once it is disposed.</summary>
    private sealed class OpenStream(McpResourceSubscriptions owner, HttpContext context, Listener listener) : IDisposable
    {
        private readonly Lock _ending = new();
        private bool _done;

        public Listener Listener { get; } = listener;

        public void End()
        {
            lock (_ending)
            {
                if (!_done)
                {
                    _done = true;
                    context.Abort();
                }
            }
        }

        public void Dispose()
        {
            lock (_ending)
            {
                _done = true;
            }

            owner._openStreams.TryRemove(this, out _);
        }
    }
}
