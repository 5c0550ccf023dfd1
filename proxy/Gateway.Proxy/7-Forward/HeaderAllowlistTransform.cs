using System.Net.Http.Headers;
using Gateway.Connectors;
using Yarp.ReverseProxy.Transforms;

namespace Gateway.Proxy.Forward;

/// <summary>
/// Header hygiene as an allowlist: of what the agent sent, only content negotiation, conditional,
/// tracing and the providers' own protocol headers go upstream. <c>Host</c> is the destination's;
/// forwarding headers (<c>Forwarded</c>, <c>X-Forwarded-*</c>, <c>X-Real-IP</c>, <c>X-Original-URL</c>),
/// method overrides and every credential header in any spelling (<c>X-Auth-Token</c>,
/// <c>Private-Token</c>, <c>x_api_key</c>…) are simply not on the list. <c>Accept-Encoding</c> is set to
/// <c>identity</c> so the response can be inspected and redacted (an upstream that compresses anyway
/// is decoded before redaction), and the gateway's request id is sent as <c>X-Request-Id</c>.
/// Credentials and the decision token are added afterwards by
/// <see cref="Gateway.Connectors.Injection.CredentialInjectionTransform"/>.
/// </summary>
internal sealed class HeaderAllowlistTransform : RequestTransform
{
    /// <summary>Request headers an agent may pass to an upstream.</summary>
    public static readonly IReadOnlySet<string> Allowed = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "Accept", "Accept-Language", "Content-Type", "Content-Language", "Content-Length", "User-Agent",
        "If-Match", "If-None-Match", "If-Modified-Since", "If-Unmodified-Since", "Range", "Cache-Control",
        "Idempotency-Key", "traceparent", "tracestate", "baggage",
        "OpenAI-Beta", "anthropic-version", "anthropic-beta",
        "Mcp-Session-Id", "MCP-Protocol-Version", "Last-Event-ID", "Mcp-Method", "Mcp-Name",
    };

    /// <summary>
    /// Prefixes of provider SDK metadata headers (no credentials): the OpenAI SDKs' <c>X-Stainless-*</c>, and the tool
    /// arguments MCP 2026-07-28 mirrors as <c>Mcp-Param-*</c> (which the MCP server checks against the body).
    /// </summary>
    private static readonly string[] AllowedPrefixes = ["X-Stainless-", "Mcp-Param-"];

    public static bool IsAllowed(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (Allowed.Contains(name))
        {
            return true;
        }

        foreach (var prefix in AllowedPrefixes)
        {
            if (name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    private static readonly List<string> NoNames = [];

    /// <inheritdoc/>
    public override ValueTask ApplyAsync(RequestTransformContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var request = context.ProxyRequest;
        foreach (var name in Disallowed(request.Headers))
        {
            request.Headers.Remove(name);
        }

        if (request.Content is { } content)
        {
            foreach (var name in Disallowed(content.Headers))
            {
                content.Headers.Remove(name);
            }
        }

        request.Headers.Host = null;
        request.Headers.TryAddWithoutValidation("Accept-Encoding", "identity");
        request.Headers.TryAddWithoutValidation(GatewayHeaders.RequestId, context.HttpContext.TraceIdentifier);
        return ValueTask.CompletedTask;
    }

    // The names to remove, read without parsing the values (HttpHeaders' own enumerator parses each one).
    private static List<string> Disallowed(HttpHeaders headers)
    {
        List<string>? names = null;
        foreach (var header in headers.NonValidated)
        {
            if (!IsAllowed(header.Key))
            {
                (names ??= []).Add(header.Key);
            }
        }

        return names ?? NoNames;
    }
}
