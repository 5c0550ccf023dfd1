namespace Gateway.Policy;

/// <summary>A URL's canonical spelling for <see cref="ValueForms"/>: scheme, host, port and path each in theirs.</summary>
internal static class Urls
{
    /// <summary>
    /// A URL's canonical spelling: tabs and line breaks removed and C0 controls and spaces around it trimmed (as WHATWG
    /// does); backslashes (before any query) read as <c>/</c>; scheme lower-cased; after a special scheme (http, https,
    /// ws, wss, ftp) and <c>:</c> any run of slashes, none included, read as <c>//</c>, and after <c>//</c> any further
    /// ones; userinfo dropped; the host canonical; a default port (http 80, https 443, ws 80, wss 443, ftp 21) dropped;
    /// the path's percent-encoded unreserved characters decoded and dot segments removed (RFC 3986 5.2.4), an empty one
    /// <c>/</c>; the fragment dropped. Text that is not <c>scheme://…</c>, <c>special-scheme:…</c> or <c>//…</c> is
    /// returned as written.
    /// </summary>
    public static string Canonical(string url, bool isPattern)
    {
        var text = UrlSyntax.Strip(url);
        var queryAt = isPattern ? -1 : text.IndexOfAny(['?', '#']);
        text = queryAt < 0 ? text.Replace('\\', '/') : string.Concat(text[..queryAt].Replace('\\', '/'), text.AsSpan(queryAt));

        var separator = text.IndexOf("://", StringComparison.Ordinal);
        string scheme;
        int authorityAt;
        if (UrlSyntax.SpecialAuthorityStart(text) is var special and > 0)
        {
            // WHATWG: `https:evil.com`, `https:/evil.com` and `https:///evil.com` all name the host evil.com.
            scheme = text[..text.IndexOf(':')].ToLowerInvariant();
            authorityAt = special;
        }
        else if (separator > 0 && IsScheme(text.AsSpan(0, separator), isPattern))
        {
            scheme = text[..separator].ToLowerInvariant();
            authorityAt = separator + 3;
        }
        else if (text.StartsWith("//", StringComparison.Ordinal))
        {
            scheme = string.Empty;
            authorityAt = text.AsSpan().IndexOfAnyExcept('/') is var first and >= 0 ? first : text.Length;
        }
        else
        {
            return url;
        }

        var authorityEnd = isPattern ? text.IndexOf('/', authorityAt) : text.IndexOfAny(['/', '?', '#'], authorityAt);
        if (authorityEnd < 0)
        {
            authorityEnd = text.Length;
        }

        var authority = text[authorityAt..authorityEnd];
        authority = authority[(authority.LastIndexOf('@') + 1)..];
        var portAt = authority.LastIndexOf(':');
        if (portAt >= 0 && authority.IndexOf(']', portAt) >= 0)
        {
            portAt = -1;
        }

        var host = portAt < 0 ? authority : authority[..portAt];
        var port = portAt < 0 ? string.Empty : Port(authority[(portAt + 1)..], scheme);
        host = HostNames.Canonical(host, isPattern);

        var rest = text[authorityEnd..];
        var pathEnd = isPattern ? rest.Length : rest.IndexOfAny(['?', '#']);
        var path = pathEnd < 0 ? rest : rest[..pathEnd];
        var query = pathEnd < 0 ? string.Empty : rest[pathEnd..];
        var fragment = query.IndexOf('#', StringComparison.Ordinal);
        if (fragment >= 0)
        {
            query = query[..fragment];
        }

        path = PathSegments.Canonical(path, collapse: false);
        if (path.Length == 0 && !(isPattern && (authority.EndsWith('*') || authority.Length == 0)))
        {
            path = "/";
        }

        var prefix = scheme.Length > 0 ? scheme + "://" : "//";
        return port.Length > 0 ? $"{prefix}{host}:{port}{path}{query}" : $"{prefix}{host}{path}{query}";
    }

    private static bool IsScheme(ReadOnlySpan<char> scheme, bool isPattern)
    {
        foreach (var c in scheme)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '+' or '-' or '.' || (isPattern && c is '*' or '?')))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>A port without leading zeros, or empty when it is the scheme's default (or empty).</summary>
    private static string Port(string port, string scheme)
    {
        if (port.Length == 0 || !port.All(char.IsAsciiDigit))
        {
            return port;
        }

        var digits = port.TrimStart('0');
        var number = digits.Length == 0 ? "0" : digits;
        return number == UrlSyntax.DefaultPort(scheme) ? string.Empty : number;
    }
}
