using System.Buffers;
using System.Globalization;
using System.Net;
using System.Text;

namespace Gateway.Policy;

/// <summary>
/// A host name's canonical spelling for <see cref="ValueForms"/> (the remarks there say which): tabs and line breaks
/// removed, percent-decoded, the invisible code points IDNA ignores removed, IDNA full stops and fullwidth forms mapped,
/// lower-cased, trailing dots dropped, canonical <c>xn--</c> labels read as Unicode, a numeric host read as the
/// dotted-decimal IPv4 address it denotes, and an IPv6 literal written in its RFC 5952 form, without a zone.
/// </summary>
internal static class HostNames
{
    private static readonly IdnMapping Idn = new();

    private static readonly SearchValues<char> HexDigits = SearchValues.Create("0123456789abcdef");

    private static readonly SearchValues<char> Ipv6Characters = SearchValues.Create("0123456789abcdefABCDEF:.");

    public static string Canonical(string host, bool isPattern)
    {
        if (IsCanonicalAsciiHost(host))
        {
            return host;
        }

        var text = UrlSyntax.Strip(host);
        if (text.StartsWith('[') && Ipv6(text) is { } literal)
        {
            return literal;
        }

        if (text.Contains('%', StringComparison.Ordinal))
        {
            text = PercentDecoding.Decode(text, unreservedOnly: false);
        }

        var mapped = new StringBuilder(text.Length);
        foreach (var rune in text.EnumerateRunes())
        {
            if (IsIgnored(rune.Value))
            {
                continue;
            }

            if (!rune.IsBmp)
            {
                mapped.Append(rune.ToString());
                continue;
            }

            var c = (char)rune.Value;
            mapped.Append(IsFullStop(c) ? '.' : c is >= '\uFF01' and <= '\uFF5E' ? (char)(c - 0xFEE0) : c);
        }

        text = mapped.ToString().ToLowerInvariant().TrimEnd('.');
        if (Ipv4(text) is { } address)
        {
            return address;
        }

        if (text.StartsWith('[') && Ipv6(text) is { } decoded)
        {
            return decoded;
        }

        if (!text.Contains("xn--", StringComparison.Ordinal))
        {
            return text;
        }

        var labels = text.Split('.');
        for (var i = 0; i < labels.Length; i++)
        {
            var label = labels[i];
            if (label.StartsWith("xn--", StringComparison.Ordinal) && !(isPattern && label.AsSpan().IndexOfAny('*', '?') >= 0))
            {
                labels[i] = UnicodeLabel(label);
            }
        }

        return string.Join('.', labels);
    }

    /// <summary>
    /// The host a value names when it is written with more around it: of a URL (or a host followed by a path, query or
    /// fragment) the host, after any userinfo, without its port; a bare host is returned as it is. After a special scheme
    /// (<see cref="UrlSyntax.IsSpecialScheme"/>) and <c>:</c>, and after a leading <c>//</c>, any run of slashes and
    /// backslashes leads into the host, as WHATWG reads them.
    /// </summary>
    public static string Named(string text)
    {
        if (text.AsSpan().IndexOfAny("/\\?#@:") < 0)
        {
            return text;
        }

        var host = text.AsSpan().Trim();
        var scheme = host.IndexOf("://", StringComparison.Ordinal);
        if (UrlSyntax.SpecialAuthorityStart(host) is var special and > 0)
        {
            host = host[special..];
        }
        else if (scheme >= 0)
        {
            host = host[(scheme + 3)..];
        }
        else if (host.StartsWith("//", StringComparison.Ordinal) || host.StartsWith("\\\\", StringComparison.Ordinal))
        {
            host = host.TrimStart("/\\");
        }

        if (host.IndexOfAny("/\\?#") is var end and >= 0)
        {
            host = host[..end];
        }

        host = host[(host.LastIndexOf('@') + 1)..];
        if (host.StartsWith('['))
        {
            return (host.IndexOf(']') is var close and > 0 ? host[..(close + 1)] : host).ToString();
        }

        var colon = host.IndexOf(':');
        return (colon >= 0 && colon == host.LastIndexOf(':') ? host[..colon] : host).ToString();
    }

    /// <summary>
    /// The Unicode label a valid <c>xn--</c> label encodes, when that label is itself canonical (its encoding
    /// round-trips and it is lower case): <c>xn--bcher-2pa</c> (an upper-case <c>Ü</c>) names no registrable domain
    /// and stays as written rather than being read as <c>bücher</c>.
    /// </summary>
    private static string UnicodeLabel(string label)
    {
        try
        {
            var unicode = Idn.GetUnicode(label);
            return unicode == unicode.ToLowerInvariant() && Idn.GetAscii(unicode) == label ? unicode : label;
        }
        catch (ArgumentException)
        {
            return label;
        }
    }

    private static bool IsCanonicalAsciiHost(string host)
    {
        if (host.Length == 0)
        {
            return true;
        }

        if (host[^1] == '.' || host[0] == '[' || char.IsAsciiDigit(host[^1]) || host.Contains("xn--", StringComparison.Ordinal) || host.Contains("0x", StringComparison.Ordinal))
        {
            return false;
        }

        foreach (var c in host)
        {
            if (c > '\x7F' || c is >= 'A' and <= 'Z' or '%' || c < ' ' || char.IsWhiteSpace(c))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// An IPv6 literal (<c>[…]</c>) in its RFC 5952 form (<c>[0:0:0:0:0:0:0:1]</c>, <c>[0::1]</c> and <c>[::0001]</c> are
    /// all <c>[::1]</c>), its zone (<c>%eth0</c>, <c>%25eth0</c>) dropped, and an IPv4 address mapped into IPv6
    /// (<c>[::ffff:169.254.169.254]</c>, <c>[0:0:0:0:0:ffff:a9fe:a9fe]</c>) as that IPv4 address, the host a client
    /// connects to. Null when it is not a valid literal (a pattern's wildcard included).
    /// </summary>
    private static string? Ipv6(string bracketed)
    {
        if (bracketed.Length < 4 || !bracketed.EndsWith(']'))
        {
            return null;
        }

        // The zone is cut before parsing (IPAddress would look an interface name up on the machine); with a colon only an
        // IPv6 address parses.
        var text = bracketed.AsSpan(1, bracketed.Length - 2);
        if (text.IndexOf('%') is var zone and >= 0)
        {
            text = text[..zone];
        }

        if (text.IndexOf(':') < 0 || text.ContainsAnyExcept(Ipv6Characters) || !IPAddress.TryParse(text, out var address))
        {
            return null;
        }

        return address.IsIPv4MappedToIPv6 ? address.MapToIPv4().ToString() : $"[{address}]";
    }

    /// <summary>
    /// The dotted-decimal spelling of a host whose last label is a number, read as the WHATWG URL standard and
    /// <c>inet_aton</c> read it: one to four parts, each decimal, <c>0x</c> hexadecimal or <c>0</c>-led octal, the
    /// last filling the remaining bytes (<c>2852039166</c>, <c>0xa9fea9fe</c> and <c>169.254.43518</c> are all
    /// <c>169.254.169.254</c>). Null when the host is not such a number or a part is out of range.
    /// </summary>
    private static string? Ipv4(string host)
    {
        var parts = host.Split('.');
        var last = parts[^1];
        var numeric = last.StartsWith("0x", StringComparison.Ordinal) ? last.AsSpan(2).ContainsAnyExcept(HexDigits) is false : last.Length > 0 && last.All(char.IsAsciiDigit);
        if (!numeric || parts.Length > 4)
        {
            return null;
        }

        ulong address = 0;
        for (var i = 0; i < parts.Length; i++)
        {
            if (Ipv4Part(parts[i]) is not { } value || value >= (i == parts.Length - 1 ? 1UL << (8 * (5 - parts.Length)) : 256))
            {
                return null;
            }

            address |= i == parts.Length - 1 ? value : value << (8 * (3 - i));
        }

        return $"{address >> 24}.{(address >> 16) & 0xFF}.{(address >> 8) & 0xFF}.{address & 0xFF}";
    }

    private static ulong? Ipv4Part(string part)
    {
        var (digits, radix) = part.StartsWith("0x", StringComparison.Ordinal) ? (part[2..], 16) : part.Length > 1 && part[0] == '0' ? (part[1..], 8) : (part, 10);
        if (part.Length == 0 || digits.Length > 12)
        {
            return null;
        }

        ulong value = 0;
        foreach (var c in digits)
        {
            var digit = char.IsAsciiDigit(c) ? c - '0' : c is >= 'a' and <= 'f' ? c - 'a' + 10 : radix;
            if (digit >= radix)
            {
                return null;
            }

            value = (value * (ulong)radix) + (ulong)digit;
        }

        return value;
    }

    /// <summary>
    /// Whether a code point is one UTS #46 maps to nothing (status <c>ignored</c>), so that WHATWG URL parsers, Go's
    /// <c>idna.Lookup</c> and Python's <c>idna</c> drop it from a host: soft hyphen, combining grapheme joiner, Mongolian
    /// free variation selectors (and the vowel separator, which Python's <c>idna</c> drops too), zero width space, word
    /// joiner, invisible plus, variation selectors, zero width no-break space and the shorthand format controls.
    /// </summary>
    private static bool IsIgnored(int codePoint) => codePoint
        is 0x00AD or 0x034F or (>= 0x180B and <= 0x180F) or 0x200B or 0x2060 or 0x2064
        or (>= 0xFE00 and <= 0xFE0F) or 0xFEFF or (>= 0x1BCA0 and <= 0x1BCA3) or (>= 0xE0100 and <= 0xE01EF);

    /// <summary>A full stop: <c>.</c> or one of the IDNA full stops (U+3002, U+FF0E, U+FF61).</summary>
    public static bool IsFullStop(char c) => c is '.' or '\u3002' or '\uFF0E' or '\uFF61';
}
