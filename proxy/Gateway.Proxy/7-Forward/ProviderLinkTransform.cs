using System.Text;
using Gateway.Proxy.Enforce;
using Gateway.Proxy.Pipeline;
using Microsoft.Extensions.Primitives;
using Yarp.ReverseProxy.Transforms;

namespace Gateway.Proxy.Forward;

/// <summary>
/// On the provider route, the upstream's <c>Link</c> answer header (RFC 8288; GitHub-style pagination,
/// <c>&lt;https://api.github.com/repos/x/issues?page=2&gt;; rel="next"</c>) without the upstream's URLs: each link whose
/// target (resolved against the URL requested) is under one of the connector's base URLs (<c>upstream</c>,
/// <c>destinations</c>) is rewritten to the same path and query under the gateway's <c>/providers/&lt;connector&gt;</c>
/// (a relative reference), so that an agent's next page goes through the gateway; every other link, and one with an
/// <c>anchor</c> (another URL), is dropped; a link kept keeps only its <c>rel</c> (its registered-style values) and <c>type</c>.
/// A header that does not parse is removed whole, as is one left with no link.
/// </summary>
internal sealed class ProviderLinkTransform : ResponseTransform
{
    /// <summary>The header rewritten.</summary>
    public const string Header = "Link";

    /// <inheritdoc/>
    public override ValueTask ApplyAsync(ResponseTransformContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var headers = context.HttpContext.Response.Headers;
        if (headers[Header] is not { Count: > 0 } links)
        {
            return ValueTask.CompletedTask;
        }

        headers.Remove(Header);
        if (context.HttpContext.GatewayRequest().Find<ForwardPlan>() is { Target: { } target } plan
            && context.ProxyResponse?.RequestMessage?.RequestUri is { IsAbsoluteUri: true } requested
            && plan.Upstream.Upstream is { } upstream
            && Rewrite(links, requested, [upstream, .. plan.Upstream.Destinations], context.HttpContext.Request.PathBase + "/providers/" + Uri.EscapeDataString(target.Connector)) is { } kept)
        {
            headers[Header] = kept;
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>The links of <paramref name="values"/> kept, rewritten under <paramref name="route"/>; null when none is, or a value does not parse.</summary>
    /// <param name="values">The header's field values.</param>
    /// <param name="requested">The URL the upstream was sent, which a relative target is resolved against.</param>
    /// <param name="bases">The connector's base URLs.</param>
    /// <param name="route">The gateway's path for the connector: <c>/providers/&lt;connector&gt;</c>.</param>
    internal static string? Rewrite(StringValues values, Uri requested, IReadOnlyList<Uri> bases, string route)
    {
        var links = new List<(string Target, List<(string Name, string? Value)> Parameters)>();
        foreach (var value in values)
        {
            if (value is null || !TryParse(value, links))
            {
                return null;
            }
        }

        var kept = new StringBuilder();
        foreach (var (target, parameters) in links)
        {
            if (parameters.Any(static p => string.Equals(p.Name, "anchor", StringComparison.OrdinalIgnoreCase))
                || !Uri.TryCreate(requested, target, out var absolute) || Beneath(absolute, bases) is not { } path)
            {
                continue;
            }

            var rewritten = route + path + absolute.Query + absolute.Fragment;
            if (rewritten.AsSpan().IndexOfAny("<>\"\\ \t") >= 0 || rewritten.Any(char.IsControl))
            {
                continue;
            }

            kept.Append(kept.Length == 0 ? "<" : ", <").Append(rewritten).Append('>');
            AppendKeptParameters(kept, parameters);
        }

        return kept.Length == 0 ? null : kept.ToString();
    }

    /// <summary>
    /// The first <c>rel</c>, its values that are registered-style tokens only, and the first <c>type</c> that is a bare media
    /// type; any other parameter (<c>title</c>, an extension relation type, ...) may name another of the upstream's URLs and is dropped.
    /// </summary>
    private static void AppendKeptParameters(StringBuilder kept, List<(string Name, string? Value)> parameters)
    {
        bool relSeen = false, typeSeen = false;
        foreach (var (name, value) in parameters)
        {
            if (value is null)
            {
                continue;
            }

            if (!relSeen && string.Equals(name, "rel", StringComparison.OrdinalIgnoreCase))
            {
                relSeen = true;
                var quoted = value.StartsWith('"');
                var relations = (quoted ? value[1..^1] : value).Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries).Where(IsRegisteredRelation).ToList();
                if (relations.Count > 0)
                {
                    kept.Append("; rel=").Append(quoted ? "\"" + string.Join(' ', relations) + "\"" : relations[0]);
                }
            }
            else if (!typeSeen && string.Equals(name, "type", StringComparison.OrdinalIgnoreCase))
            {
                typeSeen = true;
                var mediaType = value.Trim('"');
                if (mediaType.Count(static c => c == '/') == 1 && mediaType.Split('/').All(static part => part.Length > 0 && part.All(IsMediaTypeChar)))
                {
                    kept.Append("; type=\"").Append(mediaType).Append('"');
                }
            }
        }
    }

    /// <summary>A relation type written as a registered one is (<c>next</c>, <c>last</c>): never a URL (no <c>:</c> nor <c>/</c>).</summary>
    private static bool IsRegisteredRelation(string relation) =>
        relation.All(static c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_');

    private static bool IsMediaTypeChar(char c) => char.IsAsciiLetterOrDigit(c) || "!#$&^_.+-".Contains(c, StringComparison.Ordinal);

    /// <summary>The path of <paramref name="target"/> beneath the first base it is under (empty for the base itself), or null.</summary>
    private static string? Beneath(Uri target, IReadOnlyList<Uri> bases)
    {
        if (target.Scheme != Uri.UriSchemeHttp && target.Scheme != Uri.UriSchemeHttps)
        {
            return null;
        }

        foreach (var baseUri in bases)
        {
            if (Uri.Compare(target, baseUri, UriComponents.SchemeAndServer | UriComponents.UserInfo, UriFormat.UriEscaped, StringComparison.OrdinalIgnoreCase) != 0)
            {
                continue;
            }

            var basePath = baseUri.AbsolutePath.TrimEnd('/');
            var path = target.AbsolutePath;
            if (string.Equals(path, basePath, StringComparison.Ordinal) || string.Equals(path, basePath + "/", StringComparison.Ordinal))
            {
                return string.Empty;
            }

            if (path.StartsWith(basePath + "/", StringComparison.Ordinal))
            {
                return path[basePath.Length..];
            }
        }

        return null;
    }

    /// <summary>
    /// Reads one field value as RFC 8288's <c>#link-value</c>: <c>&lt;target&gt;</c> then <c>; name[=token|quoted-string]</c>
    /// parameters, link-values separated by commas (a comma or a <c>&lt;</c> in a quoted string is part of it). False when it is not.
    /// </summary>
    private static bool TryParse(string value, List<(string Target, List<(string Name, string? Value)> Parameters)> links)
    {
        var i = 0;
        while (true)
        {
            i = SkipSpace(value, i);
            if (i == value.Length)
            {
                return true;
            }

            if (value[i] == ',')
            {
                i++;
                continue;
            }

            var close = value[i] == '<' ? value.IndexOf('>', i + 1) : -1;
            if (close < 0)
            {
                return false;
            }

            var target = value[(i + 1)..close];
            if (target.AsSpan().IndexOfAny("< \t") >= 0 || target.Any(char.IsControl))
            {
                return false;
            }

            i = close + 1;
            var parameters = new List<(string Name, string? Value)>();
            while (true)
            {
                i = SkipSpace(value, i);
                if (i == value.Length || value[i] == ',')
                {
                    break;
                }

                if (value[i] != ';')
                {
                    return false;
                }

                i = SkipSpace(value, i + 1);
                var name = Token(value, ref i);
                if (name is null)
                {
                    return false;
                }

                i = SkipSpace(value, i);
                string? parameter = null;
                if (i < value.Length && value[i] == '=')
                {
                    i = SkipSpace(value, i + 1);
                    parameter = i < value.Length && value[i] == '"' ? Quoted(value, ref i) : Token(value, ref i);
                    if (parameter is null)
                    {
                        return false;
                    }
                }

                parameters.Add((name, parameter));
            }

            links.Add((target, parameters));
        }
    }

    private static int SkipSpace(string value, int i)
    {
        while (i < value.Length && value[i] is ' ' or '\t')
        {
            i++;
        }

        return i;
    }

    /// <summary>The token at <paramref name="i"/> (moved past it); null when there is none.</summary>
    private static string? Token(string value, ref int i)
    {
        var start = i;
        while (i < value.Length && (char.IsAsciiLetterOrDigit(value[i]) || "!#$%&'*+-.^_`|~".Contains(value[i], StringComparison.Ordinal)))
        {
            i++;
        }

        return i > start ? value[start..i] : null;
    }

    /// <summary>The quoted string at <paramref name="i"/> as written, quotes and escapes included (moved past it); null when it does not end.</summary>
    private static string? Quoted(string value, ref int i)
    {
        var start = i++;
        while (i < value.Length)
        {
            var c = value[i++];
            if (c == '\\')
            {
                if (i == value.Length)
                {
                    return null;
                }

                i++;
            }
            else if (c == '"')
            {
                return value[start..i];
            }
            else if (char.IsControl(c) && c != '\t')
            {
                return null;
            }
        }

        return null;
    }
}
