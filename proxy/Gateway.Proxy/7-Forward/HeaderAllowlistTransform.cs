using System.Collections.Frozen;
using System.Net.Http.Headers;
using Gateway.Connectors;
using Microsoft.Net.Http.Headers;
using Yarp.ReverseProxy.Transforms;

namespace Gateway.Proxy.Forward;

/// <summary>
/// Header hygiene as an allowlist, the route's value (<see cref="HeaderAllowlistTransformFactory"/>): of what the agent
/// sent, only the headers the list names (a name ending in <c>*</c> names a prefix) go upstream. <c>Host</c> is the
/// destination's; whatever the list leaves out (forwarding headers, method overrides, every credential header in any
/// spelling) is simply not sent. <c>Accept-Encoding</c> is set to <c>identity</c> so the response can be inspected and
/// redacted (an upstream that compresses anyway is decoded before redaction), and the gateway's request id is sent as
/// <c>X-Request-Id</c>. A <c>text/*</c> body that names no charset is sent as <c>charset=utf-8</c>, as it was read. Credentials and the decision token are added afterwards by <see cref="CredentialInjectionTransform"/>.
/// </summary>
internal sealed class HeaderAllowlistTransform : RequestTransform
{
    // The headers YARP never copies to the upstream request (RequestUtilities' hop-by-hop set), allowed or not.
    private static readonly FrozenSet<string> NotCopied = new[]
    {
        HeaderNames.Connection, HeaderNames.TransferEncoding, HeaderNames.KeepAlive, HeaderNames.Upgrade, HeaderNames.ProxyConnection,
        HeaderNames.ProxyAuthenticate, "Proxy-Authentication-Info", HeaderNames.ProxyAuthorization, "Proxy-Features", "Proxy-Instruction",
        "Security-Scheme", "ALPN", "Close", "HTTP2-Settings", HeaderNames.UpgradeInsecureRequests, HeaderNames.TE, HeaderNames.AltSvc,
    }.ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    [ThreadStatic]
    private static List<string>? t_names;

    private readonly HashSet<string> _names;
    private readonly string[] _prefixes;

    /// <param name="allowed">Header names, each an HTTP token; one ending in <c>*</c> allows every name it starts.</param>
    public HeaderAllowlistTransform(IEnumerable<string> allowed)
    {
        ArgumentNullException.ThrowIfNull(allowed);
        _names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var prefixes = new List<string>();
        foreach (var name in allowed)
        {
            if (name.EndsWith('*'))
            {
                prefixes.Add(name[..^1]);
            }
            else
            {
                _names.Add(name);
            }
        }

        _prefixes = [.. prefixes];
    }

    /// <summary>True when the list lets <paramref name="name"/> go upstream.</summary>
    public bool IsAllowed(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (_names.Contains(name))
        {
            return true;
        }

        foreach (var prefix in _prefixes)
        {
            if (name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <inheritdoc/>
    public override ValueTask ApplyAsync(RequestTransformContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var request = context.ProxyRequest;
        if (context.HeadersCopied)
        {
            RemoveDisallowed(request.Headers);
            if (request.Content is { } copied)
            {
                RemoveDisallowed(copied.Headers);
            }
        }
        else
        {
            // The route's YARP copied nothing (AddRequestHeadersAllowed): the allowed headers are copied as it would
            // have, and the transforms after this one read them in ProxyRequest as copied headers.
            CopyAllowed(context);
            context.HeadersCopied = true;
        }

        if (request.Content is { } content)
        {
            DeclareUtf8(content.Headers);
        }

        request.Headers.Host = null;
        request.Headers.TryAddWithoutValidation("Accept-Encoding", "identity");
        request.Headers.TryAddWithoutValidation(GatewayHeaders.RequestId, context.HttpContext.TraceIdentifier);
        return ValueTask.CompletedTask;
    }

    // YARP's own copy (HttpTransformer.TransformRequestAsync) of the allowed headers only: hop-by-hop and pseudo headers are
    // skipped, each goes to the request's or its content's headers (RequestTransform.AddHeader), a Content-Length beside a
    // Transfer-Encoding is dropped, and over HTTP/2 a TE is sent only as "trailers".
    private void CopyAllowed(RequestTransformContext context)
    {
        var headers = context.HttpContext.Request.Headers;
        foreach (var header in headers)
        {
            if (IsAllowed(header.Key) && !NotCopied.Contains(header.Key) && !header.Key.StartsWith(':'))
            {
                AddHeader(context, header.Key, header.Value);
            }
        }

        if (headers.ContainsKey(HeaderNames.TransferEncoding) && headers.ContainsKey(HeaderNames.ContentLength))
        {
            context.ProxyRequest.Content?.Headers.Remove(HeaderNames.ContentLength);
        }

        if (IsAllowed(HeaderNames.TE) && (HttpProtocol.IsHttp2(context.HttpContext.Request.Protocol) || HttpProtocol.IsHttp3(context.HttpContext.Request.Protocol)))
        {
            foreach (var te in headers.GetCommaSeparatedValues(HeaderNames.TE))
            {
                if (string.Equals(te, "trailers", StringComparison.OrdinalIgnoreCase))
                {
                    context.ProxyRequest.Headers.TryAddWithoutValidation(HeaderNames.TE, te);
                    break;
                }
            }
        }
    }

    // A text body that names no charset was read as UTF-8 by the rules and redaction (one naming another is refused at
    // Describe): the upstream is told so, where it would otherwise read ISO-8859-1 (HTTP/1.1's old default, a Java servlet's).
    private static void DeclareUtf8(HttpContentHeaders headers)
    {
        if (headers.NonValidated.TryGetValues("Content-Type", out var values) && values.Count == 1
            && values.ToString() is var type && type.StartsWith("text/", StringComparison.OrdinalIgnoreCase)
            && !type.Contains("charset", StringComparison.OrdinalIgnoreCase))
        {
            headers.Remove("Content-Type");
            headers.TryAddWithoutValidation("Content-Type", type + "; charset=utf-8");
        }
    }

    // The names to remove, read without parsing the values (HttpHeaders' own enumerator parses each one), gathered in the
    // thread's list (nothing here awaits) and removed once read.
    private void RemoveDisallowed(HttpHeaders headers)
    {
        var names = t_names ??= [];
        try
        {
            foreach (var header in headers.NonValidated)
            {
                if (!IsAllowed(header.Key))
                {
                    names.Add(header.Key);
                }
            }

            foreach (var name in names)
            {
                headers.Remove(name);
            }
        }
        finally
        {
            names.Clear();
        }
    }
}
