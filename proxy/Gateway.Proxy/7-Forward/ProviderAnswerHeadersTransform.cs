using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using Gateway.Policy;
using Gateway.Proxy.Enforce;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Refusals;
using Microsoft.Extensions.Primitives;
using Yarp.ReverseProxy.Transforms;

namespace Gateway.Proxy.Forward;

/// <summary>
/// On the provider route, what an upstream's answer headers may not do to the gateway's origin and its clients. Removed:
/// the headers that speak for the whole origin or name where the upstream is (<see cref="Removed"/>: a challenge such as
/// MCP's <c>WWW-Authenticate: Bearer resource_metadata="…"</c>, the upstream's CSP and reporting endpoints, CORS, HSTS,
/// <c>Clear-Site-Data</c>, <c>Alt-Svc</c>, the caching headers aimed at a CDN or a front proxy) and any other header whose value
/// names the origin of the connector's <c>upstream</c>, one of its <c>destinations</c> or the URL sent. <c>Cache-Control</c>
/// becomes <c>private</c> (<see cref="PrivateCacheControl"/>): no shared cache or CDN keeps an answer given for one agent's
/// signed request, which carries no <c>Authorization</c> that would stop it. Added (<see cref="ProviderRouteHeaders"/>, on the
/// gateway's refusals on the route too): <c>X-Content-Type-Options: nosniff</c> and <c>Content-Security-Policy: sandbox;
/// default-src 'none'</c>, so an answer opened in a browser never runs as the gateway's origin.
/// </summary>
internal sealed class ProviderAnswerHeadersTransform : ResponseTransform
{
    /// <summary>The <c>Cache-Control</c> of an answer whose upstream sent none: kept by no cache at all.</summary>
    public const string Unmarked = "private, no-store";

    /// <summary>The answer headers removed whatever their value.</summary>
    private static readonly HashSet<string> Removed = new(StringComparer.OrdinalIgnoreCase)
    {
        "WWW-Authenticate", "Proxy-Authenticate", "Content-Security-Policy", "Content-Security-Policy-Report-Only",
        "Report-To", "Reporting-Endpoints", "NEL", "Timing-Allow-Origin", "Strict-Transport-Security", "Clear-Site-Data",
        "Alt-Svc", "Public-Key-Pins", "Public-Key-Pins-Report-Only", "Expect-CT", "Service-Worker-Allowed",
        "Surrogate-Control", "X-Sendfile", "X-Content-Type-Options", "Via",
    };

    /// <inheritdoc/>
    public override ValueTask ApplyAsync(ResponseTransformContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var headers = context.HttpContext.Response.Headers;
        var origins = Origins(context);
        List<string>? removed = null;
        foreach (var (name, values) in headers)
        {
            if (IsRemoved(name) || Names(values, origins))
            {
                (removed ??= []).Add(name);
            }
        }

        if (removed is not null)
        {
            foreach (var name in removed)
            {
                headers.Remove(name);
            }
        }

        headers.CacheControl = PrivateCacheControl(headers.CacheControl);
        ProviderRouteHeaders.Mark(headers);
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// <paramref name="values"/> as a private answer's <c>Cache-Control</c>: <c>private</c> first, then the upstream's directives
    /// (<c>max-age</c>, <c>no-cache</c>, <c>no-store</c>, <c>must-revalidate</c>, …) but <c>public</c>, <c>s-maxage</c> and
    /// its own <c>private</c> (which, naming fields, would leave the rest shareable); <see cref="Unmarked"/> when it sent none.
    /// </summary>
    internal static string PrivateCacheControl(StringValues values)
    {
        if (values.Count == 0)
        {
            return Unmarked;
        }

        var kept = new StringBuilder("private");
        var any = false;
        foreach (var value in values)
        {
            foreach (var directive in Directives(value ?? string.Empty))
            {
                any = true;
                var end = directive.IndexOf('=', StringComparison.Ordinal);
                var name = (end < 0 ? directive : directive[..end]).TrimEnd();
                if (!name.Equals("public", StringComparison.OrdinalIgnoreCase) && !name.Equals("s-maxage", StringComparison.OrdinalIgnoreCase)
                    && !name.Equals("private", StringComparison.OrdinalIgnoreCase))
                {
                    kept.Append(", ").Append(directive);
                }
            }
        }

        return any ? kept.ToString() : Unmarked;
    }

    private static bool IsRemoved(string name) =>
        Removed.Contains(name)
        || name.StartsWith("Access-Control-", StringComparison.OrdinalIgnoreCase)
        || name.StartsWith("X-Accel-", StringComparison.OrdinalIgnoreCase)
        || name.EndsWith("CDN-Cache-Control", StringComparison.OrdinalIgnoreCase);

    // Each connector's own origins, worked out once per catalog entry (a bundle reload makes new entries).
    private static readonly ConditionalWeakTable<CatalogEntry, List<string>> ConnectorOrigins = new();

    /// <summary>
    /// The upstream's origins as a value would name them, <c>//host[:port]</c> (any scheme, or none): of the connector's
    /// <c>upstream</c>, its <c>destinations</c> (once per entry) and the URL the request was sent to (copied only when it
    /// adds one).
    /// </summary>
    private static List<string> Origins(ResponseTransformContext context)
    {
        var origins = context.HttpContext.GatewayRequest().Find<ForwardPlan>() is { } plan
            ? ConnectorOrigins.GetValue(plan.Upstream, static entry =>
            {
                var own = new List<string>();
                Add(own, entry.Upstream);
                foreach (var destination in entry.Destinations)
                {
                    Add(own, destination);
                }

                return own;
            })
            : [];
        var sent = context.ProxyResponse?.RequestMessage?.RequestUri;
        if (sent is not { IsAbsoluteUri: true, Authority: { Length: > 0 } authority }
            || (Holds(origins, authority, port: -1) && Holds(origins, sent.IdnHost, sent.IsDefaultPort ? -1 : sent.Port)))
        {
            return origins;
        }

        var all = new List<string>(origins);
        Add(all, sent);
        return all;
    }

    private static void Add(List<string> origins, Uri? uri)
    {
        if (uri is not { IsAbsoluteUri: true } || uri.Authority.Length == 0)
        {
            return;
        }

        foreach (var authority in new[] { uri.Authority, uri.IsDefaultPort ? uri.IdnHost : uri.IdnHost + ":" + uri.Port })
        {
            var origin = "//" + authority;
            if (!origins.Contains(origin, StringComparer.OrdinalIgnoreCase))
            {
                origins.Add(origin);
            }
        }
    }

    /// <summary>Whether <paramref name="origins"/> holds <c>//host</c>, or <c>//host:port</c> for a port not below 0 (no string built).</summary>
    private static bool Holds(List<string> origins, string host, int port)
    {
        Span<char> digits = stackalloc char[11];
        var written = 0;
        if (port >= 0 && !port.TryFormat(digits, out written, default, CultureInfo.InvariantCulture))
        {
            return false;
        }

        foreach (var origin in origins)
        {
            var rest = origin.AsSpan();
            if (!rest.StartsWith("//", StringComparison.Ordinal) || !rest[2..].StartsWith(host, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            rest = rest[(2 + host.Length)..];
            if (port < 0 ? rest.IsEmpty : rest.Length == written + 1 && rest[0] == ':' && rest[1..].SequenceEqual(digits[..written]))
            {
                return true;
            }
        }

        return false;
    }

    private static bool Names(StringValues values, List<string> origins)
    {
        foreach (var value in values)
        {
            foreach (var origin in origins)
            {
                if (value?.Contains(origin, StringComparison.OrdinalIgnoreCase) == true)
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>The comma-separated directives of one field value, trimmed (a comma in a quoted string is part of its directive).</summary>
    private static IEnumerable<string> Directives(string value)
    {
        var start = 0;
        var quoted = false;
        for (var i = 0; i <= value.Length; i++)
        {
            if (i < value.Length && value[i] == '"' && (i == 0 || value[i - 1] != '\\'))
            {
                quoted = !quoted;
            }
            else if (i == value.Length || (value[i] == ',' && !quoted))
            {
                var directive = value[start..i].Trim();
                if (directive.Length > 0)
                {
                    yield return directive;
                }

                start = i + 1;
            }
        }
    }
}
