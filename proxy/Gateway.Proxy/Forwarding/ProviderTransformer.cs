using System.IO.Compression;
using Gateway.Connectors.Injection;
using Gateway.Connectors.Mcp;
using Gateway.Connectors.Redaction;
using Gateway.Connectors.Streaming;
using Gateway.Proxy.Transforms;
using Microsoft.AspNetCore.Http.Features;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Transforms;

namespace Gateway.Proxy.Forwarding;

/// <summary>
/// The YARP transformer of the transparent provider route. On the way out: the exact upstream URI,
/// only allowlisted headers (<see cref="HeaderAllowlistTransform"/>: the destination's Host, identity
/// encoding), then the connector's credential and the decision token (<see cref="CredentialInjectionTransform"/>).
/// On the way back: a compressed body is decoded first (gzip, br, deflate; any other encoding is
/// refused, never passed unredacted), then streamed through the MCP tool filter (for <c>tools/list</c>; a
/// JSON answer is filtered whole before anything is sent, an unreadable one refused),
/// the usage tap (model connectors) and the redactor, chunk by chunk, and cut at the connector's
/// <c>max_response_bytes</c>.
/// </summary>
internal sealed class ProviderTransformer : HttpTransformer
{
    private readonly HeaderAllowlistTransform _allowlist = new();
    private readonly CredentialInjectionTransform _injection;

    public ProviderTransformer(CredentialInjectionTransform injection) => _injection = injection;

    public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
    {
        await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken).ConfigureAwait(false);
        var feature = httpContext.Features.GetRequiredFeature<ProviderForwardFeature>();
        proxyRequest.RequestUri = feature.Destination;
        var context = new RequestTransformContext
        {
            HttpContext = httpContext,
            ProxyRequest = proxyRequest,
            Path = httpContext.Request.Path,
            Query = new QueryTransformContext(httpContext.Request),
            DestinationPrefix = destinationPrefix,
            HeadersCopied = true,
            CancellationToken = cancellationToken,
        };
        await _allowlist.ApplyAsync(context).ConfigureAwait(false);
        proxyRequest.Headers.TryAddWithoutValidation("X-Request-Id", httpContext.TraceIdentifier);
        await _injection.ApplyAsync(context).ConfigureAwait(false);
        if (httpContext.Response.HasStarted || httpContext.Response.StatusCode != StatusCodes.Status200OK)
        {
            // The injection refused (credential unavailable) and answered: nothing may be forwarded.
            throw new OperationCanceledException("Credential injection refused the request.");
        }
    }

    public override async ValueTask<bool> TransformResponseAsync(HttpContext httpContext, HttpResponseMessage? proxyResponse, CancellationToken cancellationToken)
    {
        var proceed = await base.TransformResponseAsync(httpContext, proxyResponse, cancellationToken).ConfigureAwait(false);
        if (proxyResponse is null)
        {
            return proceed;
        }

        var feature = httpContext.Features.GetRequiredFeature<ProviderForwardFeature>();
        if (!await DecodeAsync(httpContext, proxyResponse, cancellationToken).ConfigureAwait(false))
        {
            feature.UndecodableEncoding = true;
            return false;
        }

        if (proxyResponse.Content.Headers.ContentLength is { } length && length > feature.MaxResponseBytes)
        {
            feature.ResponseTooLarge = true;
            return false;
        }

        var contentType = proxyResponse.Content.Headers.ContentType?.ToString();
        var eventStream = contentType?.StartsWith("text/event-stream", StringComparison.OrdinalIgnoreCase) == true;
        var transforms = new List<IBodyTransform>(3);
        if (feature.McpToolAllowed is { } allowed)
        {
            if (eventStream)
            {
                transforms.Add(new ToolsListFilter(allowed));
            }
            else if (!await FilterToolsListJsonAsync(httpContext, proxyResponse, feature, new ToolsListFilter(allowed), cancellationToken).ConfigureAwait(false))
            {
                return false;
            }
        }

        if (feature.Usage is { } usage)
        {
            transforms.Add(eventStream ? new SseUsageTap(usage) : new JsonUsageTap(usage));
        }

        if (BodyRedactors.For(contentType, feature.Redactions) is { } redactor)
        {
            transforms.Add(redactor);
        }

        var body = httpContext.Response.Body;
        if (transforms.Count > 0)
        {
            // The body may change length: it goes out chunked.
            httpContext.Response.Headers.ContentLength = null;
            var stream = new BodyTransformStream(body, transforms.Count == 1 ? transforms[0] : new BodyTransformChain(transforms));
            feature.ResponseStream = stream;
            body = stream;
        }

        // Outermost: counts the upstream's (decoded) bytes before any transform sees them.
        feature.SizeLimit = new ResponseSizeLimitStream(body, feature.MaxResponseBytes);
        httpContext.Response.Body = feature.SizeLimit;
        return proceed;
    }

    /// <summary>
    /// A tools/list answered as JSON (anything but an event stream): the whole body, read within
    /// <c>max_response_bytes</c>, is filtered before a byte is sent and replaces the upstream's content.
    /// False (nothing sent, the handler refuses) when it is too large or not readable as JSON-RPC.
    /// </summary>
    private static async ValueTask<bool> FilterToolsListJsonAsync(HttpContext httpContext, HttpResponseMessage proxyResponse, ProviderForwardFeature feature, ToolsListFilter filter, CancellationToken cancellationToken)
    {
        var original = proxyResponse.Content;
        using var buffer = new MemoryStream();
        var source = await original.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (source.ConfigureAwait(false))
        {
            var chunk = new byte[16 * 1024];
            int read;
            while ((read = await source.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + read > feature.MaxResponseBytes)
                {
                    feature.ResponseTooLarge = true;
                    return false;
                }

                buffer.Write(chunk, 0, read);
            }
        }

        byte[] filtered;
        try
        {
            filtered = filter.FilterJson(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
        }
        catch (InvalidDataException)
        {
            feature.UnreadableToolsList = true;
            return false;
        }

        var content = new ByteArrayContent(filtered);
        foreach (var header in original.Headers)
        {
            if (!header.Key.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                content.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }
        }

        proxyResponse.Content = content;
        httpContext.Response.Headers.ContentLength = filtered.Length;
        return true;
    }

    /// <summary>Replaces a gzip/br/deflate body by its decoded stream; false for any other encoding.</summary>
    private static async ValueTask<bool> DecodeAsync(HttpContext httpContext, HttpResponseMessage proxyResponse, CancellationToken cancellationToken)
    {
        var encodings = proxyResponse.Content.Headers.ContentEncoding.Where(static e => !string.Equals(e, "identity", StringComparison.OrdinalIgnoreCase)).ToArray();
        if (encodings.Length == 0)
        {
            return true;
        }

        if (encodings.Length > 1)
        {
            return false;
        }

        var original = proxyResponse.Content;
        var encoded = await original.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        Stream? decoded = encodings[0].ToLowerInvariant() switch
        {
            "gzip" or "x-gzip" => new GZipStream(encoded, CompressionMode.Decompress),
            "br" => new BrotliStream(encoded, CompressionMode.Decompress),
            "deflate" => new ZLibStream(encoded, CompressionMode.Decompress),
            _ => null,
        };
        if (decoded is null)
        {
            return false;
        }

        var content = new StreamContent(decoded);
        foreach (var header in original.Headers)
        {
            if (!header.Key.Equals("Content-Encoding", StringComparison.OrdinalIgnoreCase) && !header.Key.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                content.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }
        }

        proxyResponse.Content = content;
        httpContext.Response.Headers.ContentEncoding = default;
        httpContext.Response.Headers.ContentLength = null;
        return true;
    }
}
