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
    /// calls found it gone at the same time). Throws <see cref="HttpRequestException"/> when the server cannot be reached
    /// or refuses <c>initialize</c>, so that the forwarder reports the upstream unavailable.
    /// </summary>
    public async ValueTask<string?> SessionAsync(string tenant, CatalogEntry server, Uri endpoint, string? replacing, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(server);
        ArgumentNullException.ThrowIfNull(endpoint);
        var upstream = UpstreamOf(tenant, server, EndpointOf(endpoint));
        if (upstream.Client is { } open && (replacing is null || open.SessionId != replacing))
        {
            return open.SessionId;
        }

        await upstream.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
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

        if (!_upstreams.TryGetValue((tenant, server.Name, EndpointOf(endpoint)), out var upstream) || upstream.Client is not { } client || client.SessionId != session)
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

    /// <summary>The endpoint a request was sent to: its address without query or fragment.</summary>
    private static Uri EndpointOf(Uri requestUri) =>
        requestUri.Query.Length == 0 && requestUri.Fragment.Length == 0 ? requestUri : new Uri(requestUri.GetLeftPart(UriPartial.Path));

    /// <summary>How long a server may take to accept a client's answer.</summary>
    public static readonly TimeSpan AnswerTimeout = TimeSpan.FromSeconds(30);
}
