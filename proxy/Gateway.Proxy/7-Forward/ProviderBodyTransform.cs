using Gateway.Connectors.Mcp;
using Gateway.Connectors.Redaction;
using Gateway.Connectors.Streaming;
using Gateway.Oversight;
using Gateway.Proxy.Enforce;
using Gateway.Proxy.Mcp;
using Gateway.Proxy.Pipeline;
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
/// (<see cref="ResponseSizeLimitStream"/>, outermost); before the transforms, an MCP server's
/// <c>notifications/resources/updated</c> is passed on only while the caller may still be told of its resource
/// (<see cref="McpResourceUpdateGate"/>, as <c>/mcp</c> clears each update). A response that cannot be passed on is
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
            if (plan.Usage is { } pastLimit && length <= ModelUsageDrain.MaxDrainBytes)
            {
                // A model's answer is refused all the same, once read through its usage tap alone: the call is settled at the
                // usage the provider reports at its end, not at its reservation.
                var tap = ModelUsageDrain.Tap(pastLimit, proxyResponse.Content.Headers.ContentType?.MediaType == "text/event-stream");
                await ModelUsageDrain.DrainAsync(proxyResponse.Content, tap, ReadOnlyMemory<byte>.Empty, plan.Upstream.Limits.UpstreamTimeout).ConfigureAwait(false);
            }

            feature.Add(Refuse(context, status, UpstreamResponse.TooLarge(plan.MaxResponseBytes)));
            return;
        }

        // The raw header, not the typed ContentType: that is null where .NET cannot parse the value (a charset beside a
        // parameter it rejects) and the first of two, yet YARP copies the header as written, whose charset the agent reads.
        var contentTypes = proxyResponse.Content.Headers.NonValidated.TryGetValues(HeaderNames.ContentType, out var values) ? values.Count : 0;
        var contentType = contentTypes == 0 ? null : values.ToString();
        var eventStream = contentType?.StartsWith("text/event-stream", StringComparison.OrdinalIgnoreCase) == true;
        var transforms = new List<IBodyTransform>(4);
        var mcpServer = false;
        if (plan.McpToolAllowed is { } allowed)
        {
            // A resource's update is passed on only while the caller may still be told of it, checked as /mcp checks each
            // (McpResourceSubscriptions.MayHearAsync: the read permitted under the policy in force now, no kill switch on);
            // the check is built (MayHear) only once an update is seen.
            mcpServer = true;
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

        var usageTap = plan.Usage is { } usage ? ModelUsageDrain.Tap(usage, eventStream) : null;
        if (usageTap is not null)
        {
            transforms.Add(usageTap);
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
            McpResourceUpdateGate? gate = null;
            if (eventStream && mcpServer)
            {
                // First: the upstream's own updates are checked, before a transform rewrites a byte of them.
                gate = new McpResourceUpdateGate(MayHear, httpContext);
                transforms.Insert(0, gate.Tail);
                if (HttpMethods.IsGet(httpContext.Request.Method))
                {
                    // The GET's stream (the server's notifications and requests) ends once a kill switch thrown here stops the caller.
                    httpContext.RequestServices.GetRequiredService<McpResourceSubscriptions>().EndWhenStopped(httpContext, ListenerOf(plan));
                }
            }

            stream = new BodyTransformStream(body, transforms.Count == 1 ? transforms[0] : new BodyTransformChain(transforms), eventStream ? null : FrameHeld, httpContext.Response);
            body = gate is null ? stream : gate.Into(stream);
        }

        // Outermost: counts the upstream's (decoded) bytes before any transform sees them; a model's answer past the limit is
        // read on through its usage tap alone (the tap first in the chain has seen all before it: no MCP filter on a model).
        var sizeLimit = usageTap is not null && transforms[0] == usageTap
            ? new ResponseSizeLimitStream(body, plan.MaxResponseBytes, proxyResponse.Content, usageTap, plan.Upstream.Limits.UpstreamTimeout)
            : new ResponseSizeLimitStream(body, plan.MaxResponseBytes);
        httpContext.Response.Body = sizeLimit;
        feature.Add(new UpstreamResponse(status) { Stream = stream, SizeLimit = sizeLimit });
    }

    /// <summary>
    /// Built from the request's <see cref="HttpContext"/> at the first update its answer carries: whether the caller may be
    /// told now of an update of the server's resource named (<see cref="McpResourceSubscriptions.MayHearAsync"/>).
    /// </summary>
    private static readonly Func<object, Func<string, CancellationToken, ValueTask<bool>>> MayHear = static state =>
    {
        var httpContext = (HttpContext)state;
        var plan = httpContext.GatewayRequest().Get<ForwardPlan>();
        var subscriptions = httpContext.RequestServices.GetRequiredService<McpResourceSubscriptions>();
        var listener = ListenerOf(plan);
        return (uri, cancellationToken) => subscriptions.MayHearAsync(plan.Tenant.Slug, plan.Upstream.Name, uri, listener, cancellationToken);
    };

    /// <summary>Who the server's route tells of what the server sends: the plan's caller, its kill switches and token family.</summary>
    private static McpResourceSubscriptions.Listener ListenerOf(ForwardPlan plan)
    {
        var identity = plan.Identity;
        return new McpResourceSubscriptions.Listener(new McpCaller(identity.Agent, identity.Workspace, identity.Delegation?.Scope), identity.Caller, identity.KillSwitches, identity.TokenFamily);
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
    private static async ValueTask<Refusal?> FilterToolsListJsonAsync(HttpContext httpContext, HttpResponseMessage proxyResponse, ForwardPlan plan, ToolsListFilter filter,
        CancellationToken cancellationToken)
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
            filtered = await McpResourceUpdateGate.ClearJsonAsync(filter.FilterJson(bytes), MayHear, httpContext, cancellationToken).ConfigureAwait(false);
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
