using System.Net.Http.Headers;
using Gateway.Connectors.Credentials;
using Gateway.Connectors.Envelopes;
using Gateway.Policy;

namespace Gateway.Connectors.Mcp;

/// <summary>
/// Sends an MCP server the client's answer to a request the server made mid-call (sampling, elicitation): POSTed on the
/// gateway's session with that server, with the connector's credential from the vault, under the server's own id.
/// </summary>
public sealed class McpServerAnswers : IDisposable
{
    /// <summary>How long the server may take to accept an answer.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly CredentialResolver _credentials;
    private readonly SocketsHttpHandler _handler = new() { PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1) };

    public McpServerAnswers(CredentialResolver credentials) => _credentials = credentials;

    /// <summary>
    /// POSTs <paramref name="answer"/> (a JSON-RPC response) to <paramref name="upstream"/> on <paramref name="session"/>;
    /// returns the server's status code (202 when it took the answer).
    /// </summary>
    public async ValueTask<int> SendAsync(string tenant, CatalogEntry server, Uri upstream, string? session, byte[] answer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(server);
        ArgumentNullException.ThrowIfNull(upstream);
        using var invoker = new HttpMessageInvoker(new ConnectorCredentialHandler(_credentials, tenant, server) { InnerHandler = _handler }, disposeHandler: false);
        using var request = new HttpRequestMessage(HttpMethod.Post, upstream) { Content = new ByteArrayContent(answer) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        request.Headers.TryAddWithoutValidation("Accept", "application/json, text/event-stream");
        request.Headers.TryAddWithoutValidation("MCP-Protocol-Version", UpstreamEnvelopes.McpProtocolVersion);
        if (session is not null)
        {
            request.Headers.TryAddWithoutValidation(McpSessionHandler.SessionHeader, session);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        using var response = await invoker.SendAsync(request, timeout.Token).ConfigureAwait(false);
        return (int)response.StatusCode;
    }

    /// <inheritdoc/>
    public void Dispose() => _handler.Dispose();
}
