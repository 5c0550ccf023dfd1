namespace Gateway.Policy;

/// <summary>What the WHATWG URL standard does to a URL's text before reading it, as <see cref="Urls"/> and <see cref="HostNames"/> follow it.</summary>
internal static class UrlSyntax
{
    /// <summary>
    /// The text with every tab, line feed and carriage return removed and leading and trailing C0 controls, spaces and
    /// white space trimmed (WHATWG, and Python's <c>urlsplit</c>, drop them too); the same instance when there are none.
    /// </summary>
    public static string Strip(string text)
    {
        if (text.AsSpan().IndexOfAny('\t', '\n', '\r') >= 0)
        {
            text = text.Replace("\t", string.Empty, StringComparison.Ordinal)
                .Replace("\n", string.Empty, StringComparison.Ordinal)
                .Replace("\r", string.Empty, StringComparison.Ordinal);
        }

        var start = 0;
        var end = text.Length;
        while (start < end && IsTrimmed(text[start]))
        {
            start++;
        }

        while (end > start && IsTrimmed(text[end - 1]))
        {
            end--;
        }

        return start == 0 && end == text.Length ? text : text[start..end];
    }

    /// <summary>
    /// Whether <paramref name="scheme"/> is one of WHATWG's special schemes with a host (http, https, ws, wss, ftp), in
    /// any case: after <c>scheme:</c> any run of <c>/</c> and <c>\</c>, none included, leads into the authority.
    /// </summary>
    public static bool IsSpecialScheme(ReadOnlySpan<char> scheme) => DefaultPort(scheme) is not null;

    /// <summary>The default port of a special scheme (<see cref="IsSpecialScheme"/>), in any case; null for any other scheme.</summary>
    public static string? DefaultPort(ReadOnlySpan<char> scheme) =>
        scheme.Equals("http", StringComparison.OrdinalIgnoreCase) || scheme.Equals("ws", StringComparison.OrdinalIgnoreCase) ? "80"
        : scheme.Equals("https", StringComparison.OrdinalIgnoreCase) || scheme.Equals("wss", StringComparison.OrdinalIgnoreCase) ? "443"
        : scheme.Equals("ftp", StringComparison.OrdinalIgnoreCase) ? "21"
        : null;

    /// <summary>
    /// Where the authority of <paramref name="text"/> starts when it opens with a special scheme and <c>:</c> (after any
    /// run of slashes and backslashes), else -1.
    /// </summary>
    public static int SpecialAuthorityStart(ReadOnlySpan<char> text)
    {
        var colon = text.IndexOf(':');
        if (colon <= 0 || !IsSpecialScheme(text[..colon]))
        {
            return -1;
        }

        var start = colon + 1;
        while (start < text.Length && text[start] is '/' or '\\')
        {
            start++;
        }

        return start;
    }

    // A C0 control or space (WHATWG's leading and trailing trim), or other white space (as string.Trim trims).
    private static bool IsTrimmed(char c) => c <= ' ' || char.IsWhiteSpace(c);
}
