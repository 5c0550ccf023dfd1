using Gateway.Connectors.Mcp;
using Gateway.Connectors.Models;
using Gateway.Connectors.Redaction;
using Gateway.Connectors.Streaming;
using Gateway.Oversight;
using Gateway.Proxy.Enforce;
using Gateway.Proxy.Mcp;
using Gateway.Proxy.Refusals;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;
using Yarp.ReverseProxy.Transforms;

namespace Gateway.Proxy.Forward;

/// <summary>
/// The provider route's response body, streamed back: a compressed body is decoded first
/// (<see cref="ResponseDecoding"/>), then passed chunk by chunk through the MCP listings' filter (<c>tools/list</c>, and
/// <c>resources/list</c>, <c>resources/templates/list</c>, <c>prompts/list</c> by read; a JSON answer is filtered whole
/// before anything is sent, an unreadable one refused), the usage tap
/// (model connectors) and the redactor, and cut at the connector's <c>max_response_bytes</c>
/// (<see cref="ResponseSizeLimitStream"/>, outermost). A response that cannot be passed on is
/// suppressed; the <see cref="UpstreamResponse"/> it adds carries the refusal for the Respond stage. The upstream's headers
/// are redacted as the body is (but those that frame it, for the credential only). How a value split
/// across events is redacted is the route's value (<see cref="SplitValueRedaction"/>, by the route's connector).
/// </summary>
internal sealed class ProviderBodyTransform : ResponseTransform
{
    /// <summary>The response headers whose values frame the body or bind the MCP session: redacted for the credential only.</summary>
    private static readonly HashSet<string> FramingHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Content-Length", "Content-Type", "Content-Encoding", "Transfer-Encoding", "Content-Range", "Mcp-Session-Id",
    };

    public ProviderBodyTransform(SplitValueRedaction splitValues) => SplitValues = splitValues;

    /// <summary>How a value split across events is redacted.</summary>
    internal SplitValueRedaction SplitValues { get; }

    /// <inheritdoc/>
    public override async ValueTask ApplyAsync(ResponseTransformContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.ProxyResponse is not { } proxyResponse)
        {
            return;
        }

        var httpContext = context.HttpContext;
        var (feature, plan, status, decoded) = await UpstreamAnswer.OpenAsync(context, proxyResponse).ConfigureAwait(false);
        if (!decoded)
        {
            feature.Add(Refuse(context, status, ResponseDecoding.Undecodable));
            return;
        }

        // The raw header, not the typed Location: that is null where .NET cannot parse the value (https:\\host\path, a
        // percent-encoded host, a tab), yet the header would reach the agent, whose client (a WHATWG URL parser) follows it.
        if (status is >= 300 and < 400 && proxyResponse.Headers.NonValidated.Contains(HeaderNames.Location))
        {
            feature.Add(Refuse(context, status, UpstreamResponse.Redirected));
            return;
        }

        RedactHeaders(httpContext.Response.Headers, plan.Redactions);
        if (proxyResponse.Content.Headers.ContentLength is { } length && length > plan.MaxResponseBytes)
        {
            feature.Add(Refuse(context, status, UpstreamResponse.TooLarge(plan.MaxResponseBytes)));
            return;
        }

        // The raw header, not the typed ContentType: that is null where .NET cannot parse the value (a charset beside a
        // parameter it rejects) and the first of two, yet YARP copies the header as written, whose charset the agent reads.
        var contentTypes = proxyResponse.Content.Headers.NonValidated.TryGetValues(HeaderNames.ContentType, out var values) ? values.Count : 0;
        var contentType = contentTypes == 0 ? null : values.ToString();
        var eventStream = contentType?.StartsWith("text/event-stream", StringComparison.OrdinalIgnoreCase) == true;
        var transforms = new List<IBodyTransform>(3);
        if (plan.McpToolAllowed is { } allowed)
        {
            // The server's resources, templates and prompts are listed as /mcp lists them: less each one whose read the
            // policy blocks for the caller (McpReadClearance.Lists), asked of the server's own entry.
            var filter = new ToolsListFilter(allowed, read => McpReadClearance.Lists(plan.Tenant, plan.Identity.Caller, plan.Upstream, read));
            if (eventStream)
            {
                transforms.Add(filter);
            }
            else if (await FilterToolsListJsonAsync(httpContext, proxyResponse, plan, filter, context.CancellationToken).ConfigureAwait(false) is { } refusal)
            {
                feature.Add(Refuse(context, status, refusal));
                return;
            }
        }

        if (plan.Usage is { } usage)
        {
            transforms.Add(eventStream ? new SseUsageTap(usage) : new JsonUsageTap(usage));
        }

        // Two content types (a client may read either, and either's charset) are refused as two charsets are.
        transforms.Add(contentTypes > 1
            ? new UninspectableBodyRedactor(plan.Redactions, contentType!)
            : BodyRedactors.For(contentType, plan.Redactions, holdSplitValues: SplitValues == SplitValueRedaction.HoldBack));

        var body = httpContext.Response.Body;
        BodyTransformStream? stream = null;
        if (transforms.Count > 0)
        {
            // The body may change length: it goes out chunked, or framed by its new length when held whole (FrameHeld).
            httpContext.Response.Headers.ContentLength = null;
            stream = new BodyTransformStream(body, transforms.Count == 1 ? transforms[0] : new BodyTransformChain(transforms), eventStream ? null : FrameHeld, httpContext.Response);
            body = stream;
        }

        // Outermost: counts the upstream's (decoded) bytes before any transform sees them.
        var sizeLimit = new ResponseSizeLimitStream(body, plan.MaxResponseBytes);
        httpContext.Response.Body = sizeLimit;
        feature.Add(new UpstreamResponse(status) { Stream = stream, SizeLimit = sizeLimit });
    }

    /// <summary>A body the transforms held whole (a JSON answer read to its end) goes with its length, not chunked, while it may.</summary>
    private static readonly Action<object, long> FrameHeld = static (state, length) =>
    {
        var response = (HttpResponse)state;
        if (!response.HasStarted && !HttpMethods.IsHead(response.HttpContext.Request.Method)
            && response.StatusCode is not (StatusCodes.Status204NoContent or StatusCodes.Status304NotModified))
        {
            response.ContentLength = length;
        }
    };

    /// <summary>
    /// The upstream's headers, as copied for the agent, redacted as its body is (<see cref="TextRedactor.Redact"/>: the injected
    /// credential, e-mail addresses, card numbers, tokens, keys), a header's value as one text. The headers that frame the body
    /// or bind the session (<see cref="FramingHeaders"/>) carry no text for the agent: only the credential is replaced there.
    /// </summary>
    private static void RedactHeaders(IHeaderDictionary headers, RedactionCounts counts)
    {
        List<KeyValuePair<string, StringValues>>? redacted = null;
        foreach (var header in headers)
        {
            var framing = FramingHeaders.Contains(header.Key);
            string?[]? values = null;
            for (var i = 0; i < header.Value.Count; i++)
            {
                if (header.Value[i] is { } value
                    && (framing ? TextRedactor.RedactCredential(value, counts) : TextRedactor.Redact(value, counts)) is var clean && !ReferenceEquals(clean, value))
                {
                    values ??= header.Value.ToArray();
                    values[i] = clean;
                }
            }

            if (values is not null)
            {
                (redacted ??= []).Add(KeyValuePair.Create(header.Key, new StringValues(values)));
            }
        }

        foreach (var (name, values) in redacted ?? [])
        {
            headers[name] = values;
        }
    }

    /// <summary>The answer cannot be passed on: nothing of it is sent, and the refusal goes to the Respond stage.</summary>
    private static UpstreamResponse Refuse(ResponseTransformContext context, int status, Refusal refusal)
    {
        context.SuppressResponseBody = true;

        // The refusal is the gateway's own answer: none of the upstream's headers go with it.
        var headers = context.HttpContext.Response.Headers;
        foreach (var header in context.ProxyResponse!.Headers.Concat(context.ProxyResponse.Content.Headers))
        {
            headers.Remove(header.Key);
        }

        return new UpstreamResponse(status) { Refusal = refusal };
    }

    /// <summary>
    /// A tools/list answered as JSON (anything but an event stream): the whole body, read within
    /// <c>max_response_bytes</c>, is filtered before a byte is sent and replaces the upstream's content.
    /// </summary>
    private static async ValueTask<Refusal?> FilterToolsListJsonAsync(HttpContext httpContext, HttpResponseMessage proxyResponse, ForwardPlan plan, ToolsListFilter filter, CancellationToken cancellationToken)
    {
        var original = proxyResponse.Content;
        var (bytes, more) = await ResponseBodyReader.ReadUpToAsync(original, plan.MaxResponseBytes, cancellationToken).ConfigureAwait(false);
        if (more)
        {
            return UpstreamResponse.TooLarge(plan.MaxResponseBytes);
        }

        byte[] filtered;
        try
        {
            filtered = filter.FilterJson(bytes);
        }
        catch (InvalidDataException)
        {
            return new(StatusCodes.Status502BadGateway, ProblemCodes.UpstreamUnavailable,
                "The MCP server's answer to tools/list could not be read as JSON-RPC, so it could not be filtered to the tools the agent may call; nothing of it was passed on.");
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
        return null;
    }
}
