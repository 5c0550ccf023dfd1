using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using Gateway.Connectors.Envelopes;

namespace Gateway.Connectors.Mcp;

/// <summary>
/// MCP streamable-HTTP sessions for governed <c>tools/call</c>s, as a handler in the cluster's client:
/// before the first call to a server (per tenant, server and destination) it sends <c>initialize</c>
/// and <c>notifications/initialized</c> with the call's own headers (so the same credential), declaring the client
/// capabilities whose requests are relayed to the calling agent within a call (sampling, elicitation; not roots, which
/// would tell one agent's roots to a session that every agent of the tenant shares), keeps
/// the server's <c>Mcp-Session-Id</c> and sends it with every call; a call answered 404 on a cached
/// session (the server forgot it) is re-initialized and sent once more. Requests without an
/// <see cref="McpSession"/> marker pass through untouched.
/// </summary>
public sealed class McpSessionHandler : DelegatingHandler
{
    /// <summary>The session header.</summary>
    public const string SessionHeader = "Mcp-Session-Id";

    private readonly ConcurrentDictionary<(string Tenant, string Server, string Origin), string?> _sessions = new();

    /// <inheritdoc/>
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (!request.Options.TryGetValue(McpSession.OptionKey, out var marker) || request.RequestUri is null)
        {
            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }

        var key = (marker.Tenant, marker.Server, request.RequestUri.GetLeftPart(UriPartial.Authority));
        var cached = _sessions.TryGetValue(key, out var existing);
        var session = cached ? existing : await InitializeAsync(request, cancellationToken).ConfigureAwait(false);
        _sessions[key] = session;
        SetSession(request, session);
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.NotFound || !cached || session is null)
        {
            return response;
        }

        // The server no longer knows the session: start a new one and send the call once more.
        response.Dispose();
        _sessions.TryRemove(key, out _);
        session = await InitializeAsync(request, cancellationToken).ConfigureAwait(false);
        _sessions[key] = session;
        using var retry = Copy(request, marker.Body);
        SetSession(retry, session);
        return await base.SendAsync(retry, cancellationToken).ConfigureAwait(false);
    }

    private async Task<string?> InitializeAsync(HttpRequestMessage call, CancellationToken cancellationToken)
    {
        var initialize = """{"jsonrpc":"2.0","id":"gamut-initialize","method":"initialize","params":{"protocolVersion":"PROTOCOL","capabilities":{"sampling":{},"elicitation":{}},"clientInfo":{"name":"gamut-gateway","version":"1.0"}}}"""
            .Replace("PROTOCOL", UpstreamEnvelopes.McpProtocolVersion, StringComparison.Ordinal);
        string? session;
        using (var request = Message(call, initialize, null))
        using (var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false))
        {
            if (!response.IsSuccessStatusCode)
            {
                throw new HttpRequestException($"The MCP server refused initialize with {(int)response.StatusCode}.", null, response.StatusCode);
            }

            session = response.Headers.TryGetValues(SessionHeader, out var values) ? values.FirstOrDefault() : null;
            await response.Content.LoadIntoBufferAsync(cancellationToken).ConfigureAwait(false);
        }

        using (var request = Message(call, """{"jsonrpc":"2.0","method":"notifications/initialized"}""", session))
        using (await base.SendAsync(request, cancellationToken).ConfigureAwait(false))
        {
            // 202 Accepted is expected; a server that ignores notifications is tolerated.
        }

        return session;
    }

    private static HttpRequestMessage Message(HttpRequestMessage call, string json, string? session)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, call.RequestUri) { Version = call.Version, VersionPolicy = call.VersionPolicy };
        foreach (var header in call.Headers)
        {
            if (!header.Key.Equals(SessionHeader, StringComparison.OrdinalIgnoreCase))
            {
                request.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }
        }

        request.Content = new StringContent(json, System.Text.Encoding.UTF8, new MediaTypeHeaderValue("application/json"));
        SetSession(request, session);
        return request;
    }

    private static HttpRequestMessage Copy(HttpRequestMessage original, ReadOnlyMemory<byte> body)
    {
        var copy = new HttpRequestMessage(original.Method, original.RequestUri) { Version = original.Version, VersionPolicy = original.VersionPolicy };
        foreach (var header in original.Headers)
        {
            copy.Headers.TryAddWithoutValidation(header.Key, header.Value);
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
