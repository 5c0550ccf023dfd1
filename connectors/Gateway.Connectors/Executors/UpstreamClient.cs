using System.Buffers;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Gateway.Connectors.Credentials;
using Gateway.Connectors.Redaction;
using Gateway.Connectors.Signing;

namespace Gateway.Connectors.Executors;

/// <summary>
/// What every executor shares: sending with the connector's timeout (mapped to
/// <see cref="ConnectorTimeoutException"/>), the credential and gateway headers, bounded body reads
/// (<see cref="ResponseTooLargeException"/>), and turning a body into a (redacted) <see cref="ConnectorResult"/>.
/// </summary>
internal sealed class UpstreamClient
{
    private readonly HttpMessageInvoker _invoker;
    private readonly CredentialResolver _resolver;
    private readonly TimeProvider _time;

    public UpstreamClient(HttpMessageInvoker invoker, CredentialResolver resolver, TimeProvider? timeProvider)
    {
        _invoker = invoker ?? throw new ArgumentNullException(nameof(invoker));
        _resolver = resolver ?? throw new ArgumentNullException(nameof(resolver));
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>Runs <paramref name="work"/> (send and read) under the connector's timeout.</summary>
    public async ValueTask<T> WithTimeoutAsync<T>(ConnectorDefinition connector, Func<CancellationToken, ValueTask<T>> work, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(connector.Timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
        try
        {
            return await work(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException ex) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new ConnectorTimeoutException(connector.Name, connector.Timeout, ex);
        }
    }

    /// <summary>Adds credential, decision token, request id, agent id and (dry_run) the dry-run header.</summary>
    public async ValueTask PrepareAsync(HttpRequestMessage request, ConnectorDefinition connector, ConnectorCall call, CancellationToken cancellationToken)
    {
        if (connector.CredentialReference is { } reference)
        {
            var secret = await _resolver.ResolveAsync(call.Tenant, reference, cancellationToken).ConfigureAwait(false);
            request.Headers.TryAddWithoutValidation(connector.AuthScheme.HeaderName, connector.AuthScheme.FormatValue(secret.Value));
        }

        if (!string.IsNullOrEmpty(call.DecisionToken))
        {
            request.Headers.TryAddWithoutValidation(SignatureHeaders.DecisionToken, call.DecisionToken);
        }

        request.Headers.TryAddWithoutValidation(GatewayHeaders.RequestId, call.RequestId);
        request.Headers.TryAddWithoutValidation(GatewayHeaders.AgentId, call.Agent);
        if (call.DegradeMode == DegradeMode.DryRun)
        {
            request.Headers.TryAddWithoutValidation(GatewayHeaders.DryRun, "true");
        }
    }

    /// <summary>Sends, returning once headers arrive (the body is read separately, bounded).</summary>
    public Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        _invoker is HttpClient client
            ? client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken)
            : _invoker.SendAsync(request, cancellationToken);

    /// <summary>Reads the whole body, refusing more than <paramref name="limit"/> bytes.</summary>
    public static async ValueTask<byte[]> ReadBodyAsync(HttpResponseMessage response, ConnectorDefinition connector, long limit, CancellationToken cancellationToken)
    {
        var (bytes, more) = await ReadUpToAsync(response, limit, cancellationToken).ConfigureAwait(false);
        if (more)
        {
            throw new ResponseTooLargeException(connector.Name, limit);
        }

        return bytes;
    }

    /// <summary>Reads at most <paramref name="limit"/> bytes; <c>More</c> says whether the body went on.</summary>
    public static async ValueTask<(byte[] Bytes, bool More)> ReadUpToAsync(HttpResponseMessage response, long limit, CancellationToken cancellationToken)
    {
        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            var buffer = new ArrayBufferWriter<byte>((int)Math.Min(limit + 1, 64 * 1024));
            while (true)
            {
                var memory = buffer.GetMemory(16 * 1024);
                var read = await stream.ReadAsync(memory, cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    return (buffer.WrittenSpan.ToArray(), false);
                }

                buffer.Advance(read);
                if (buffer.WrittenCount > limit)
                {
                    return (buffer.WrittenSpan[..(int)limit].ToArray(), true);
                }
            }
        }
    }

    public static ByteArrayContent JsonContent(byte[] body)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        return content;
    }

    /// <summary>Turns a body into a result: JSON parsed when the media type says JSON, text otherwise; redacted when asked.</summary>
    public static ConnectorResult ToResult(HttpResponseMessage response, byte[] body, ConnectorCall call, bool truncated = false)
    {
        var mediaType = response.Content.Headers.ContentType?.MediaType;
        var counts = new RedactionCounts();
        var isJson = !truncated && mediaType is not null && (mediaType == "application/json" || mediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase));
        if (isJson && body.Length > 0)
        {
            try
            {
                var bytes = call.ShouldRedact ? JsonRedactor.Redact(body, counts) : body;
                using var document = JsonDocument.Parse(bytes);
                return new ConnectorResult { StatusCode = (int)response.StatusCode, ContentType = mediaType, Json = document.RootElement.Clone(), Redactions = counts };
            }
            catch (JsonException)
            {
                // Declared JSON but is not: fall through to text.
            }
        }

        string text;
        if (mediaType == "text/event-stream" && call.ShouldRedact)
        {
            var redactor = new SseBodyRedactor(counts);
            var output = new ArrayBufferWriter<byte>(body.Length + 64);
            redactor.Write(body, output);
            redactor.Complete(output);
            text = Encoding.UTF8.GetString(output.WrittenSpan);
        }
        else
        {
            text = Encoding.UTF8.GetString(body);
            if (call.ShouldRedact)
            {
                text = TextRedactor.Redact(text, counts);
            }
        }

        return new ConnectorResult { StatusCode = (int)response.StatusCode, ContentType = mediaType, Text = text, Redactions = counts, Truncated = truncated };
    }

    /// <summary>Joins the connector's base URI and a relative path (the base's own path kept).</summary>
    public static Uri Combine(Uri upstream, string relative, string? query = null)
    {
        var left = upstream.GetLeftPart(UriPartial.Path).TrimEnd('/');
        var path = relative.Length == 0 ? string.Empty : "/" + relative.TrimStart('/');
        var existing = upstream.Query.TrimStart('?');
        var combined = string.Join('&', new[] { existing, query ?? string.Empty }.Where(q => q.Length > 0));
        return new Uri(left + path + (combined.Length > 0 ? "?" + combined : string.Empty));
    }

    /// <summary>The connector's upstream or a clear argument error.</summary>
    public static Uri RequireUpstream(ConnectorDefinition connector) =>
        connector.Upstream ?? throw new ConnectorArgumentException($"connector '{connector.Name}' has no upstream.");
}
