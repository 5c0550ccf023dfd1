using Gateway.Connectors.Injection;
using Gateway.Connectors.Mcp;
using Gateway.Connectors.Redaction;
using Gateway.Connectors.Streaming;
using Microsoft.AspNetCore.Http.Features;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Transforms;

namespace Gateway.Proxy.Forwarding;

/// <summary>
/// The YARP transformer of the transparent provider route. On the way out: the exact upstream URI,
/// every agent credential and signature header removed, the connector's credential and the decision
/// token injected (<see cref="CredentialInjectionTransform"/>). On the way back: the body streamed
/// through the MCP tool filter (for <c>tools/list</c>), the usage tap (model connectors) and the
/// redactor, chunk by chunk, never buffering a stream.
/// </summary>
internal sealed class ProviderTransformer : HttpTransformer
{
    private readonly CredentialInjectionTransform _injection;

    public ProviderTransformer(CredentialInjectionTransform injection) => _injection = injection;

    public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
    {
        await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken).ConfigureAwait(false);
        var feature = httpContext.Features.GetRequiredFeature<ProviderForwardFeature>();
        proxyRequest.RequestUri = feature.Destination;
        proxyRequest.Headers.Remove("X-Request-Id");
        proxyRequest.Headers.TryAddWithoutValidation("X-Request-Id", httpContext.TraceIdentifier);
        await _injection.ApplyAsync(new RequestTransformContext
        {
            HttpContext = httpContext,
            ProxyRequest = proxyRequest,
            Path = httpContext.Request.Path,
            Query = new QueryTransformContext(httpContext.Request),
            DestinationPrefix = destinationPrefix,
            HeadersCopied = true,
            CancellationToken = cancellationToken,
        }).ConfigureAwait(false);
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
        var contentType = proxyResponse.Content.Headers.ContentType?.ToString();
        var eventStream = contentType?.StartsWith("text/event-stream", StringComparison.OrdinalIgnoreCase) == true;
        var transforms = new List<IBodyTransform>(3);
        if (feature.McpToolAllowed is { } allowed)
        {
            transforms.Add(new ToolsListFilter(allowed));
        }

        if (feature.Usage is { } usage)
        {
            transforms.Add(eventStream ? new SseUsageTap(usage) : new JsonUsageTap(usage));
        }

        if (BodyRedactors.For(contentType, feature.Redactions) is { } redactor)
        {
            transforms.Add(redactor);
        }

        if (transforms.Count > 0)
        {
            // The body may change length: it goes out chunked.
            httpContext.Response.Headers.ContentLength = null;
            var stream = new BodyTransformStream(httpContext.Response.Body, transforms.Count == 1 ? transforms[0] : new BodyTransformChain(transforms));
            feature.ResponseStream = stream;
            httpContext.Response.Body = stream;
        }

        return proceed;
    }
}
