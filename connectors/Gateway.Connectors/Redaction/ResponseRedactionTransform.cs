using Gateway.Connectors.Streaming;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;
using Yarp.ReverseProxy.Transforms;

namespace Gateway.Connectors.Redaction;

/// <summary>
/// Redacts a proxied response while it streams, when <see cref="ConnectorRequestFeature.ShouldRedact"/>:
/// the body is copied from upstream through the content type's <see cref="IBodyRedactor"/> (SSE per event,
/// JSON as a document, text with a bounded hold-back), <c>Content-Length</c> is dropped, and the counts are
/// added to the feature's <see cref="ConnectorRequestFeature.Redactions"/>. A compressed upstream body cannot
/// be redacted and is refused (502) rather than forwarded, and so is a body of a media type the redactor
/// cannot read (see <see cref="BodyRedactors.For"/>); <see cref="ResponseRedactionTransformExtensions.AddResponseRedaction"/>
/// also strips <c>Accept-Encoding</c> from redacted requests so upstreams answer uncompressed.
/// </summary>
public sealed class ResponseRedactionTransform : ResponseTransform
{
    /// <inheritdoc/>
    public override async ValueTask ApplyAsync(ResponseTransformContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var feature = context.HttpContext.Features.Get<ConnectorRequestFeature>();
        var upstream = context.ProxyResponse;
        if (feature is null || !feature.ShouldRedact || upstream is null)
        {
            return;
        }

        var response = context.HttpContext.Response;
        var encoding = upstream.Content.Headers.ContentEncoding;
        var redactor = BodyRedactors.For(upstream.Content.Headers.ContentType?.ToString(), feature.Redactions);
        if ((encoding.Count > 0 && !encoding.All(e => e.Equals("identity", StringComparison.OrdinalIgnoreCase))) || redactor is UninspectableBodyRedactor)
        {
            // A compressed body or binary media cannot be inspected: refused before anything is sent (fail closed).
            context.SuppressResponseBody = true;
            response.Headers.Clear();
            response.StatusCode = StatusCodes.Status502BadGateway;
            return;
        }

        context.SuppressResponseBody = true;
        response.Headers.ContentLength = null;
        response.Headers.Remove(HeaderNames.ContentLength);
        var source = await upstream.Content.ReadAsStreamAsync(context.CancellationToken).ConfigureAwait(false);
        await using (source.ConfigureAwait(false))
        {
            try
            {
                await BodyTransformCopier.CopyAsync(source, response.Body, redactor, context.CancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or InvalidDataException or HttpRequestException or OperationCanceledException)
            {
                // Headers are sent: the only safe signal left is to abort the response.
                context.HttpContext.Abort();
            }
        }
    }
}
