using System.Net;
using System.Net.Http.Headers;

namespace Gateway.Connectors.Mcp;

/// <summary>
/// Puts a governed <c>tools/call</c>, forwarded in the cluster's client, on the gateway's session with its MCP server: the
/// session of the gateway's one MCP client (<see cref="McpServerToolLists"/>, the official SDK, which sends
/// <c>initialize</c>, declares the client capabilities whose requests are relayed to the calling agent within a call, and
/// keeps one session per tenant, server and destination, and one per person for a call made with a person's own
/// credential), whose <c>Mcp-Session-Id</c> goes with the call. A call answered 404 (the
/// server forgot the session) is sent once more on a new one. Requests without an <see cref="McpSession"/> marker pass
/// through untouched.
/// </summary>
public sealed class McpSessionHandler(McpServerToolLists sessions) : DelegatingHandler
{
    /// <summary>The session header.</summary>
    public const string SessionHeader = "Mcp-Session-Id";

    /// <inheritdoc/>
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!request.Options.TryGetValue(McpSession.OptionKey, out var marker) || request.RequestUri is null)
        {
            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }

        // The session at the destination the forwarder chose (a server's replicas need not share sessions).
        var endpoint = request.RequestUri;
        var session = await sessions.SessionAsync(marker.Tenant, marker.Server, endpoint, marker.Person, replacing: null, cancellationToken).ConfigureAwait(false);
        SetSession(request, session);
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.NotFound || session is null)
        {
            return response;
        }

        // The server no longer knows the session: a new one, and the call sent once more.
        response.Dispose();
        session = await sessions.SessionAsync(marker.Tenant, marker.Server, endpoint, marker.Person, replacing: session, cancellationToken).ConfigureAwait(false);
        using var retry = Copy(request, marker.Body);
        SetSession(retry, session);
        return await base.SendAsync(retry, cancellationToken).ConfigureAwait(false);
    }

    private static HttpRequestMessage Copy(HttpRequestMessage original, ReadOnlyMemory<byte> body)
    {
        var copy = new HttpRequestMessage(original.Method, original.RequestUri) { Version = original.Version, VersionPolicy = original.VersionPolicy };
        foreach (var header in original.Headers)
        {
            copy.Headers.TryAddWithoutValidation(header.Key, header.Value);
        }

        // The marker and what else the host set go with it: the handlers inside see the call sent again as the call.
        foreach (var option in original.Options)
        {
            ((IDictionary<string, object?>)copy.Options)[option.Key] = option.Value;
        }

        copy.Content = new ReadOnlyMemoryContent(body);
        copy.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        return copy;
    }

    private static void SetSession(HttpRequestMessage request, string? session)
    {
        request.Headers.Remove(SessionHeader);
        if (session is not null)
        {
            request.Headers.TryAddWithoutValidation(SessionHeader, session);
        }
    }
}
