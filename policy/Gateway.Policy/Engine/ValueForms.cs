using System.Buffers;
using System.Globalization;
using System.Text;

namespace Gateway.Policy;

/// <summary>
/// What a target or argument glob compares: both the pattern and the value are brought to one canonical spelling
/// of the name they denote before <see cref="Glob.IsMatch"/> (case-insensitive) runs, so that a block rule cannot
/// be evaded — nor an allowlist widened — by a trailing dot, case, an IDNA spelling, a default port, userinfo or a
/// dot segment. Comparison only: the forwarded arguments are never changed. Pure (no I/O); when the value is
/// already canonical the same instance is returned.
/// </summary>
/// <remarks>
/// A host's canonical spelling: percent-decoded, the IDNA full stops (U+3002, U+FF0E, U+FF61) read as <c>.</c>, the
/// fullwidth forms U+FF01..U+FF5E read as their ASCII letters, lower-cased, trailing dots dropped, and each valid
/// <c>xn--</c> label read as the Unicode label it encodes (so the Unicode, punycode and fullwidth spellings of one
/// name compare equal, also under a wildcard inside a label). The process runs with invariant globalization, where
/// <see cref="IdnMapping"/> encodes and decodes punycode but maps nothing (no case folding, no NFKC) and
/// <see cref="string.Normalize()"/> does nothing; the mapping above is done here for that reason.
/// </remarks>
internal static class ValueForms
{
    private static readonly IdnMapping Idn = new();

    private static readonly SearchValues<char> HexDigits = SearchValues.Create("0123456789abcdef");

    /// <summary>The form an argument glob's shape declares: a URL, a mail address, a host name, a path, else text.</summary>
    public static ValueForm OfPattern(string pattern)
    {
        if (pattern.Contains("://", StringComparison.Ordinal))
        {
            return ValueForm.Url;
        }

        if (pattern.Contains('@', StringComparison.Ordinal))
        {
            return ValueForm.Email;
        }

        if (pattern.StartsWith('/'))
        {
            return ValueForm.Path;
        }

        var dot = false;
        foreach (var c in pattern)
        {
            if (char.IsWhiteSpace(c) || c is '/' or '\\' or ':')
            {
                return ValueForm.Text;
            }

            dot |= IsFullStop(c);
        }

        return dot ? ValueForm.Host : ValueForm.Text;
    }

    /// <summary>The form a declared target's kind declares.</summary>
    public static ValueForm OfTarget(TargetKind kind) => kind switch
    {
        TargetKind.Url => ValueForm.Url,
        TargetKind.Host => ValueForm.Host,
        TargetKind.Path => ValueForm.Path,
        _ => ValueForm.Text,
    };

    /// <summary>
    /// The canonical spelling of <paramref name="text"/> in <paramref name="form"/>. A pattern's <c>*</c> and <c>?</c>
    /// are kept: a host label holding one is only lower-cased, and a URL pattern has no query or fragment to split.
    /// </summary>
    public static string Normalize(string text, ValueForm form, bool isPattern = false) => form switch
    {
        ValueForm.Host => Host(text, isPattern),
        ValueForm.Email => Address(text, isPattern),
        ValueForm.Url => Url(text, isPattern),
        ValueForm.Path => Path(text, collapse: true),
        _ => text,
    };

    /// <summary>Whether <paramref name="pattern"/> matches <paramref name="value"/>, both normalised in <paramref name="form"/>.</summary>
    public static bool IsMatch(string pattern, string value, ValueForm form) =>
        Glob.IsMatch(Normalize(pattern, form, isPattern: true), Normalize(value, form), ignoreCase: true);

    /// <summary>An argument glob: its shape picks the form; a mail pattern matches when any address of the value does.</summary>
    public static bool GlobMatches(string pattern, string value)
    {
        var form = OfPattern(pattern);
        var canonical = Normalize(pattern, form, isPattern: true);
        foreach (var part in form == ValueForm.Email ? Addresses(value) : [value])
        {
            if (Glob.IsMatch(canonical, Normalize(part, form), ignoreCase: true))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// A <c>not_in</c> allowlist: whether the value (or, when the list holds a mail pattern, any address of it)
    /// matches none of the globs, each comparing in the form its own shape declares.
    /// </summary>
    public static bool OutsideAll(IReadOnlyList<string> allowlist, string value)
    {
        // Each pattern's form and canonical spelling, once for all the parts of the value.
        var patterns = new (ValueForm Form, string Canonical)[allowlist.Count];
        var split = false;
        for (var i = 0; i < patterns.Length; i++)
        {
            var form = OfPattern(allowlist[i]);
            patterns[i] = (form, Normalize(allowlist[i], form, isPattern: true));
            split |= form == ValueForm.Email;
        }

        foreach (var part in split ? Addresses(value) : [value])
        {
            var inside = false;
            foreach (var (form, canonical) in patterns)
            {
                if (Glob.IsMatch(canonical, Normalize(part, form), ignoreCase: true))
                {
                    inside = true;
                    break;
                }
            }

            if (!inside)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The addresses a recipient value names: a list split on <c>,</c> and <c>;</c> outside quotes and angle
    /// brackets; of <c>Name &lt;addr&gt;</c> the address; of a <c>mailto:</c> URI its recipients and those of its
    /// <c>to</c>, <c>cc</c> and <c>bcc</c> fields, percent-decoded. A value naming none is its own one entry.
    /// </summary>
    public static IReadOnlyList<string> Addresses(string value)
    {
        var trimmed = value.Trim();
        if (trimmed.IndexOfAny([',', ';', '<']) < 0 && !IsMailto(trimmed))
        {
            return [value];
        }

        var addresses = new List<string>();
        if (IsMailto(trimmed))
        {
            AddMailto(trimmed, addresses);
        }
        else if (!SplitMailboxes(trimmed, addresses, quoting: true))
        {
            addresses.Clear();
            SplitMailboxes(trimmed, addresses, quoting: false);
        }

        return addresses.Count > 0 ? addresses : [value];
    }

    /// <summary>
    /// Splits a list into its mailboxes on <c>,</c> and <c>;</c>, with <paramref name="quoting"/> not inside quotes
    /// or angle brackets; false when a quote or bracket is left open (the caller then splits without quoting, so an
    /// unbalanced quote cannot hide the addresses after it).
    /// </summary>
    private static bool SplitMailboxes(string list, List<string> addresses, bool quoting)
    {
        int start = 0, angle = 0;
        var quoted = false;
        for (var i = 0; i <= list.Length; i++)
        {
            var c = i < list.Length ? list[i] : ',';
            if (quoting && c == '"')
            {
                quoted = !quoted;
            }
            else if (quoting && !quoted && c == '<')
            {
                angle++;
            }
            else if (quoting && !quoted && c == '>' && angle > 0)
            {
                angle--;
            }
            else if (i == list.Length || (!quoted && angle == 0 && c is ',' or ';'))
            {
                AddMailbox(list[start..i], addresses);
                start = i + 1;
            }
        }

        return !quoted && angle == 0;
    }

    private static void AddMailbox(string mailbox, List<string> addresses)
    {
        var text = mailbox.Trim();
        var open = text.LastIndexOf('<');
        if (open >= 0 && text.IndexOf('>', open) is var close and > 0)
        {
            text = text[(open + 1)..close].Trim();
        }

        if (IsMailto(text))
        {
            AddMailto(text, addresses);
        }
        else if (text.Length > 0)
        {
            addresses.Add(text);
        }
    }

    private static void AddMailto(string uri, List<string> addresses)
    {
        var rest = uri["mailto:".Length..];
        var query = rest.IndexOf('?', StringComparison.Ordinal);
        AddRecipients(query < 0 ? rest : rest[..query], addresses);
        if (query < 0)
        {
            return;
        }

        foreach (var field in rest[(query + 1)..].Split('&'))
        {
            var eq = field.IndexOf('=', StringComparison.Ordinal);
            var name = eq < 0 ? field : field[..eq];
            if (eq > 0 && (name.Equals("to", StringComparison.OrdinalIgnoreCase) || name.Equals("cc", StringComparison.OrdinalIgnoreCase) || name.Equals("bcc", StringComparison.OrdinalIgnoreCase)))
            {
                AddRecipients(field[(eq + 1)..], addresses);
            }
        }
    }

    private static void AddRecipients(string encoded, List<string> addresses)
    {
        foreach (var recipient in encoded.Split(','))
        {
            var address = PercentDecode(recipient, unreservedOnly: false).Trim();
            if (address.Length > 0)
            {
                addresses.Add(address);
            }
        }
    }

    private static bool IsMailto(string text) => text.StartsWith("mailto:", StringComparison.OrdinalIgnoreCase);

    /// <summary>One address: trimmed, its domain (after the last <c>@</c>) a canonical host; the local part as written.</summary>
    private static string Address(string address, bool isPattern)
    {
        var text = address.Trim();
        var at = text.LastIndexOf('@');
        if (at < 0)
        {
            return text;
        }

        var domain = text[(at + 1)..];
        var host = Host(domain, isPattern);
        return ReferenceEquals(host, domain) && text.Length == address.Length ? address : string.Concat(text.AsSpan(0, at + 1), host);
    }

    private static string Host(string host, bool isPattern)
    {
        if (IsCanonicalAsciiHost(host))
        {
            return host;
        }

        var text = host.Trim();
        if (text.Contains('%', StringComparison.Ordinal))
        {
            text = PercentDecode(text, unreservedOnly: false);
        }

        var mapped = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            mapped.Append(IsFullStop(c) ? '.' : c is >= '\uFF01' and <= '\uFF5E' ? (char)(c - 0xFEE0) : c);
        }

        text = mapped.ToString().ToLowerInvariant().TrimEnd('.');
        if (Ipv4(text) is { } address)
        {
            return address;
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

        if (host[^1] == '.' || char.IsAsciiDigit(host[^1]) || host.Contains("xn--", StringComparison.Ordinal) || host.Contains("0x", StringComparison.Ordinal))
        {
            return false;
        }

        foreach (var c in host)
        {
            if (c > '\x7F' || c is >= 'A' and <= 'Z' or '%' || char.IsWhiteSpace(c))
            {
                return false;
            }
        }

        return true;
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

    private static bool IsFullStop(char c) => c is '.' or '\u3002' or '\uFF0E' or '\uFF61';

    /// <summary>
    /// A URL's canonical spelling: backslashes (before any query) read as <c>/</c>; scheme lower-cased; userinfo
    /// dropped; the host canonical; a default port (http 80, https 443, ws 80, wss 443, ftp 21) dropped; the path's
    /// percent-encoded unreserved characters decoded and dot segments removed (RFC 3986 5.2.4), an empty one <c>/</c>;
    /// the fragment dropped. Text that is not <c>scheme://…</c> or <c>//…</c> is returned as written.
    /// </summary>
    private static string Url(string url, bool isPattern)
    {
        var text = url.Trim();
        var queryAt = isPattern ? -1 : text.IndexOfAny(['?', '#']);
        text = queryAt < 0 ? text.Replace('\\', '/') : string.Concat(text[..queryAt].Replace('\\', '/'), text.AsSpan(queryAt));

        var separator = text.IndexOf("://", StringComparison.Ordinal);
        string scheme;
        int authorityAt;
        if (separator > 0 && IsScheme(text.AsSpan(0, separator), isPattern))
        {
            scheme = text[..separator].ToLowerInvariant();
            authorityAt = separator + 3;
        }
        else if (text.StartsWith("//", StringComparison.Ordinal))
        {
            scheme = string.Empty;
            authorityAt = 2;
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
        host = host.StartsWith('[') ? host.ToLowerInvariant() : Host(host, isPattern);

        var rest = text[authorityEnd..];
        var pathEnd = isPattern ? rest.Length : rest.IndexOfAny(['?', '#']);
        var path = pathEnd < 0 ? rest : rest[..pathEnd];
        var query = pathEnd < 0 ? string.Empty : rest[pathEnd..];
        var fragment = query.IndexOf('#', StringComparison.Ordinal);
        if (fragment >= 0)
        {
            query = query[..fragment];
        }

        path = Path(PercentDecode(path, unreservedOnly: true), collapse: false);
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
        var standard = scheme switch
        {
            "http" or "ws" => "80",
            "https" or "wss" => "443",
            "ftp" => "21",
            _ => null,
        };
        return number == standard ? string.Empty : number;
    }

    /// <summary>
    /// A slash-separated path with its <c>.</c> and <c>..</c> segments resolved (<paramref name="collapse"/>: and empty
    /// segments dropped). A <c>..</c> above an absolute path's root is dropped; above a relative path's start it stays,
    /// since it leaves the directory the path is relative to. A trailing slash stays.
    /// </summary>
    private static string Path(string path, bool collapse)
    {
        if (!path.Contains('.', StringComparison.Ordinal) && !(collapse && path.Contains("//", StringComparison.Ordinal)))
        {
            return path;
        }

        var absolute = path.StartsWith('/');
        var segments = (absolute ? path[1..] : path).Split('/');
        var kept = new List<string>(segments.Length);
        var directory = false;
        for (var i = 0; i < segments.Length; i++)
        {
            var segment = segments[i];
            var last = i == segments.Length - 1;
            directory = false;
            if (segment == "." || (collapse && segment.Length == 0))
            {
                directory = last && kept.Count > 0;
            }
            else if (segment == "..")
            {
                if (kept.Count > 0 && kept[^1] != "..")
                {
                    kept.RemoveAt(kept.Count - 1);
                }
                else if (!absolute)
                {
                    kept.Add(segment);
                }

                directory = last && kept.Count > 0;
            }
            else
            {
                kept.Add(segment);
            }
        }

        var joined = string.Join('/', kept);
        return (absolute ? "/" : string.Empty) + joined + (directory && joined.Length > 0 ? "/" : string.Empty);
    }

    /// <summary>
    /// Decodes <c>%XX</c> sequences as UTF-8 (<paramref name="unreservedOnly"/>: only those of the unreserved
    /// characters <c>A-Z a-z 0-9 - . _ ~</c>, the others kept as written). Malformed sequences are kept.
    /// </summary>
    private static string PercentDecode(string text, bool unreservedOnly)
    {
        if (!text.Contains('%', StringComparison.Ordinal))
        {
            return text;
        }

        var bytes = Encoding.UTF8.GetBytes(text);
        var length = 0;
        for (var i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] == '%' && i + 2 < bytes.Length && char.IsAsciiHexDigit((char)bytes[i + 1]) && char.IsAsciiHexDigit((char)bytes[i + 2]))
            {
                var decoded = (byte)((HexValue(bytes[i + 1]) << 4) | HexValue(bytes[i + 2]));
                if (!unreservedOnly || char.IsAsciiLetterOrDigit((char)decoded) || decoded is (byte)'-' or (byte)'.' or (byte)'_' or (byte)'~')
                {
                    bytes[length++] = decoded;
                    i += 2;
                    continue;
                }
            }

            bytes[length++] = bytes[i];
        }

        return Encoding.UTF8.GetString(bytes, 0, length);
    }

    private static int HexValue(byte digit) => digit <= '9' ? digit - '0' : (digit | 0x20) - 'a' + 10;
}
