using System.Globalization;

namespace Gateway.Policy;

/// <summary>
/// An <c>a2a</c> entry's <c>push_hosts</c>: the host names a push-notification webhook may be on, each a name
/// (<c>hooks.example.com</c>) or <c>*.</c> and a domain of two labels or more (<c>*.hooks.example.net</c>: any name under
/// it, not the domain itself); kept in their ASCII form, lower case, without a trailing dot.
/// </summary>
public static class A2aPushHosts
{
    private static readonly IdnMapping Idn = new() { UseStd3AsciiRules = true };

    /// <summary>The canonical form of <paramref name="text"/>, or null with <paramref name="why"/> when it is not such a name or pattern.</summary>
    public static string? Canonical(string text, out string? why)
    {
        ArgumentNullException.ThrowIfNull(text);
        var wildcard = text.StartsWith("*.", StringComparison.Ordinal);
        var name = wildcard ? text[2..] : text;
        string ascii;
        try
        {
            ascii = Idn.GetAscii(name.TrimEnd('.')).ToLowerInvariant();
        }
        catch (ArgumentException)
        {
            why = NotAHostName(text);
            return null;
        }

        if (Uri.CheckHostName(ascii) != UriHostNameType.Dns || ascii.Split('.')[^1].All(char.IsAsciiDigit))
        {
            why = NotAHostName(text);
            return null;
        }

        if (wildcard && !ascii.Contains('.', StringComparison.Ordinal))
        {
            why = $"'{text}' would let every name under the top-level domain '{ascii}' through; a wildcard needs a domain of two labels or more";
            return null;
        }

        why = null;
        return wildcard ? "*." + ascii : ascii;
    }

    private static string NotAHostName(string text) =>
        $"'{text}' is not a host name (a name such as hooks.example.com, or *. and a domain; no scheme, port, path or address)";

    /// <summary>
    /// True when <paramref name="host"/> (the webhook URL's host in its ASCII form, lower case, without a trailing dot) is
    /// one of <paramref name="hosts"/> or a name under one of its <c>*.</c> domains.
    /// </summary>
    public static bool Allows(IReadOnlyList<string> hosts, string host)
    {
        ArgumentNullException.ThrowIfNull(hosts);
        ArgumentNullException.ThrowIfNull(host);
        foreach (var allowed in hosts)
        {
            var matches = allowed.StartsWith("*.", StringComparison.Ordinal)
                ? host.Length > allowed.Length - 1 && host.EndsWith(allowed.AsSpan(1), StringComparison.Ordinal)
                : string.Equals(host, allowed, StringComparison.Ordinal);
            if (matches)
            {
                return true;
            }
        }

        return false;
    }
}
