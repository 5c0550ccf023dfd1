namespace Gateway.Proxy.Mcp;

/// <summary>
/// A resource as <c>/mcp</c> names it. An MCP server's: <c>gamut-mcp://&lt;server&gt;/&lt;the server's URI, escaped&gt;</c>, so that
/// two servers serving the same URI stay apart and a read names the server it goes to. A context pack:
/// <c>gamut-context://&lt;pack&gt;</c>, read with an optional <c>?query=…&amp;max_bytes=…</c>.
/// </summary>
internal static class McpResourceUris
{
    public const string Scheme = "gamut-mcp";

    public const string ContextScheme = "gamut-context";

    private const string Prefix = Scheme + "://";

    private const string ContextPrefix = ContextScheme + "://";

    /// <summary>The URI on <c>/mcp</c> of the context pack named <paramref name="packName"/> there.</summary>
    public static string OfContextPack(string packName) => ContextPrefix + packName;

    /// <summary>The pack's name, query and byte limit of a context pack's URI (<c>gamut-context://pack?query=…&amp;max_bytes=…</c>).</summary>
    public static bool TryParseContextPack(string uri, out string packName, out string? query, out long? maxBytes)
    {
        packName = string.Empty;
        query = null;
        maxBytes = null;
        if (!uri.StartsWith(ContextPrefix, StringComparison.Ordinal))
        {
            return false;
        }

        var rest = uri[ContextPrefix.Length..].TrimEnd('/');
        var mark = rest.IndexOf('?', StringComparison.Ordinal);
        packName = mark < 0 ? rest : rest[..mark];
        if (mark >= 0)
        {
            foreach (var pair in Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(rest[mark..]))
            {
                switch (pair.Key)
                {
                    case "query":
                        query = pair.Value.ToString();
                        break;
                    case "max_bytes" when long.TryParse(pair.Value.ToString(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var limit) && limit > 0:
                        maxBytes = limit;
                        break;
                    default:
                        return false;
                }
            }
        }

        return packName.Length > 0;
    }

    /// <summary>The URI on <c>/mcp</c> of <paramref name="uri"/> served by the server named <paramref name="serverName"/> there.</summary>
    public static string Of(string serverName, string uri) => Prefix + serverName + "/" + Uri.EscapeDataString(uri);

    /// <summary>
    /// The URI template on <c>/mcp</c> of <paramref name="uriTemplate"/> (RFC 6570) served by the server named
    /// <paramref name="serverName"/> there: its literal text escaped as <see cref="Of"/> escapes a URI, its expressions
    /// (<c>{…}</c>) kept, so that a URI the client expands from it is one <see cref="TryParse"/> reads back to the URI the
    /// server's own template gives (an expression's value is percent-encoded by the expansion, and unescaped here).
    /// </summary>
    public static string OfTemplate(string serverName, string uriTemplate)
    {
        var escaped = new System.Text.StringBuilder(Prefix.Length + serverName.Length + uriTemplate.Length * 2).Append(Prefix).Append(serverName).Append('/');
        var at = 0;
        while (at < uriTemplate.Length)
        {
            var open = uriTemplate.IndexOf('{', at);
            var close = open < 0 ? -1 : uriTemplate.IndexOf('}', open);
            if (open < 0 || close < 0)
            {
                escaped.Append(Uri.EscapeDataString(uriTemplate[at..]));
                break;
            }

            escaped.Append(Uri.EscapeDataString(uriTemplate[at..open])).Append(uriTemplate, open, close - open + 1);
            at = close + 1;
        }

        return escaped.ToString();
    }

    /// <summary>The server's name on <c>/mcp</c> and its own URI (or URI template), from a URI <see cref="Of"/> (or <see cref="OfTemplate"/>) made.</summary>
    public static bool TryParse(string uri, out string serverName, out string serverUri)
    {
        serverName = string.Empty;
        serverUri = string.Empty;
        if (!uri.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }

        var slash = uri.IndexOf('/', Prefix.Length);
        if (slash <= Prefix.Length || slash == uri.Length - 1)
        {
            return false;
        }

        serverName = uri[Prefix.Length..slash];
        serverUri = Uri.UnescapeDataString(uri[(slash + 1)..]);
        return true;
    }
}
