using System.Net;
using System.Text.Json;
using Gateway.Policy;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace Gateway.Connectors.Mcp;

/// <summary>
/// The gateway's one session with each server, for what is not a listing: a governed <c>tools/call</c>, forwarded by the
/// walk on this session (<see cref="McpSessionHandler"/> writes its id), and the client's answer to a request the server
/// made within such a call, sent through the SDK's own client on the session that asked.
/// </summary>
public sealed partial class McpServerToolLists
{
    /// <summary>
    /// The id of the gateway's session with <paramref name="server"/> for <paramref name="tenant"/> at
    /// <paramref name="endpoint"/> (the destination the call goes to: the connector's upstream or another of its
    /// destinations), opened by the SDK's <c>initialize</c> when there is none; null for a server that keeps no sessions. When <paramref name="replacing"/>
    /// names the session the server no longer knows, that session is closed and a new one opened (once, however many
    /// calls found it gone at the same time). A call made with <paramref name="person"/>'s own credential goes on that
    /// person's own session (at most <see cref="MaxPersonSessions"/> per server, the least recently used closed first).
    /// Throws <see cref="HttpRequestException"/> when the server cannot be reached or refuses <c>initialize</c>, so that the
    /// forwarder reports the upstream unavailable.
    /// </summary>
    public async ValueTask<string?> SessionAsync(string tenant, CatalogEntry server, Uri endpoint, string? person, string? replacing, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(server);
        ArgumentNullException.ThrowIfNull(endpoint);
        var upstream = UpstreamOf(tenant, server, EndpointOf(endpoint), person);
        if (upstream.Refused)
        {
            // A binding the policy in force does not give the server (McpServerToolLists.Bindings.cs): the call fails closed, the upstream unavailable to it.
            throw new HttpRequestException($"The MCP server '{server.Name}' has another credential binding in force; this call's session is closed.");
        }

        Volatile.Write(ref upstream.LastUsed, _time.GetTimestamp());
        if (person is not null && upstream.Client is null)
        {
            await CloseLeastRecentPersonSessionAsync(upstream).ConfigureAwait(false);
        }

        if (upstream.Client is { } open && !upstream.Evicted && (replacing is null || open.SessionId != replacing))
        {
            return open.SessionId;
        }

        await upstream.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        if (upstream.Evicted)
        {
            // Closed to make room while this call waited: the person's next session is a new entry.
            upstream.Gate.Release();
            return await SessionAsync(tenant, server, endpoint, person, replacing: null, cancellationToken).ConfigureAwait(false);
        }

        try
        {
            if (replacing is not null && upstream.Client?.SessionId == replacing)
            {
                await upstream.CloseAsync().ConfigureAwait(false);
            }

            upstream.Client ??= await ConnectAsync(upstream, server, cancellationToken).ConfigureAwait(false);
            return upstream.Client.SessionId;
        }
        catch (Exception ex) when (ex is not HttpRequestException and not OperationCanceledException
            || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            // The SDK's own failures (a refused initialize, a timeout): the server is unavailable to this call.
            throw new HttpRequestException($"The MCP server '{server.Name}' could not be initialized ({ex.GetType().Name}).", ex);
        }
        finally
        {
            upstream.Gate.Release();
        }
    }

    /// <summary>
    /// Sends <paramref name="answer"/> (the client's JSON-RPC response, under the server's own id) to
    /// <paramref name="server"/> at <paramref name="endpoint"/> on <paramref name="session"/>, where its request came from; returns 202 when the server
    /// took it, 404 when that session is no longer the gateway's (the server's request went with it), 400 when the answer
    /// is no JSON-RPC response, or the status the server refused it with.
    /// </summary>
    public async ValueTask<int> AnswerAsync(string tenant, CatalogEntry server, Uri endpoint, string? session, ReadOnlyMemory<byte> answer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(server);
        ArgumentNullException.ThrowIfNull(endpoint);
        JsonRpcMessage? message;
        try
        {
            message = JsonSerializer.Deserialize(answer.Span, McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(JsonRpcMessage))) as JsonRpcMessage;
        }
        catch (JsonException)
        {
            message = null;
        }

        if (message is not (JsonRpcResponse or JsonRpcError))
        {
            return (int)HttpStatusCode.BadRequest;
        }

        // The session that asked: the connector's, or one person's (found by its id, which the server gave that session alone).
        var at = EndpointOf(endpoint);
        var upstream = _upstreams.Values.FirstOrDefault(u => u.Tenant == tenant && u.Server == server.Name && u.Endpoint == at && u.Client is { } c && c.SessionId == session);
        if (session is null || upstream?.Client is not { } client)
        {
            return (int)HttpStatusCode.NotFound;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(AnswerTimeout);
        try
        {
            await client.SendMessageAsync(message, timeout.Token).ConfigureAwait(false);
            return (int)HttpStatusCode.Accepted;
        }
        catch (HttpRequestException ex) when (ex.StatusCode is { } status)
        {
            return (int)status;
        }
        catch (ObjectDisposedException)
        {
            // The session was closed meanwhile (a listing found it failed): the server's request went with it.
            return (int)HttpStatusCode.NotFound;
        }
    }

    /// <summary>How many people's own sessions one server keeps open for a tenant at one endpoint.</summary>
    public const int MaxPersonSessions = 64;

    /// <summary>
    /// Past <see cref="MaxPersonSessions"/> people's sessions beside <paramref name="opening"/>, closes the least recently used
    /// ones: chosen and removed under one lock (so that callers opening at once do not all pick the same one), each closed
    /// under its own gate and marked, so that a caller that held it looks its person's session up anew.
    /// </summary>
    private async ValueTask CloseLeastRecentPersonSessionAsync(Upstream opening)
    {
        List<Upstream> evicted;
        lock (_evictions)
        {
            var people = _upstreams
                .Where(pair => pair.Value.Person is not null && pair.Value != opening && pair.Key.Tenant == opening.Tenant && pair.Key.Server == opening.Server && pair.Key.Endpoint == opening.Endpoint)
                .OrderBy(static pair => Volatile.Read(ref pair.Value.LastUsed))
                .ToList();
            evicted = [];
            for (var i = 0; i <= people.Count - MaxPersonSessions; i++)
            {
                if (_upstreams.TryRemove(people[i]))
                {
                    evicted.Add(people[i].Value);
                }
            }
        }

        foreach (var upstream in evicted)
        {
            await RetireAsync(upstream).ConfigureAwait(false);
        }
    }

    private readonly Lock _evictions = new();

    /// <summary>Closes a session no longer looked up, under its gate; marked, so that a caller holding it looks its session up anew.</summary>
    private static async Task RetireAsync(Upstream upstream)
    {
        await upstream.Gate.WaitAsync().ConfigureAwait(false);
        try
        {
            upstream.Evicted = true;
            await upstream.CloseAsync().ConfigureAwait(false);
        }
        finally
        {
            upstream.Gate.Release();
        }
    }

    /// <summary>The endpoint a request was sent to: its address without query or fragment.</summary>
    private static Uri EndpointOf(Uri requestUri) =>
        requestUri.Query.Length == 0 && requestUri.Fragment.Length == 0 ? requestUri : new Uri(requestUri.GetLeftPart(UriPartial.Path));

    /// <summary>How long a server may take to accept a client's answer.</summary>
    public static readonly TimeSpan AnswerTimeout = TimeSpan.FromSeconds(30);
}
