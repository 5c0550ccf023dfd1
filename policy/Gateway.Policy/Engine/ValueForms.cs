using System.Globalization;

namespace Gateway.Policy;

/// <summary>
/// What a target or argument glob compares: both the pattern and the value are brought to one canonical spelling
/// of the name they denote before <see cref="Glob.IsMatch"/> (case-insensitive) runs, so that a block rule cannot
/// be evaded — nor an allowlist widened — by a trailing dot, case, an IDNA spelling, a default port, userinfo, a
/// percent-encoded unreserved character (a path is read both decoded and as written) or a dot segment. Comparison only: the forwarded arguments are never changed.
/// Pure (no I/O); when the value is already canonical the same instance is returned.
/// </summary>
/// <remarks>
/// A host's canonical spelling: percent-decoded, the invisible code points UTS #46 ignores (soft hyphen, zero width
/// space, variation selectors and the like) removed, the IDNA full stops (U+3002, U+FF0E, U+FF61) read as <c>.</c>, the
/// fullwidth forms U+FF01..U+FF5E read as their ASCII letters, lower-cased, trailing dots dropped, and each valid
/// <c>xn--</c> label read as the Unicode label it encodes (so the Unicode, punycode and fullwidth spellings of one
/// name compare equal, also under a wildcard inside a label). The process runs with invariant globalization, where
/// <see cref="IdnMapping"/> encodes and decodes punycode but maps nothing (no case folding, no NFKC) and
/// <see cref="string.Normalize()"/> does nothing; the mapping above is done here for that reason.
/// </remarks>
internal static class ValueForms
{
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

            dot |= HostNames.IsFullStop(c);
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
        ValueForm.Host => isPattern ? HostNames.Canonical(text, isPattern: true) : HostOf(text),
        ValueForm.Email => MailAddresses.Canonical(text, isPattern),
        ValueForm.Url => Urls.Canonical(text, isPattern),
        ValueForm.Path => PathSegments.Canonical(text, collapse: true),
        _ => text,
    };

    /// <summary>Whether <paramref name="pattern"/> matches <paramref name="value"/>, both normalised in <paramref name="form"/>.</summary>
    public static bool IsMatch(string pattern, string value, ValueForm form) =>
        Matches(Normalize(pattern, form, isPattern: true), Normalize(value, form), form)
        || (form == ValueForm.Path && HasEscape(pattern, value)
            && Matches(Spelling(pattern, form, isPattern: true, literal: true), Spelling(value, form, isPattern: false, literal: true), form));

    /// <summary>
    /// An argument glob: its shape picks the form; a mail pattern matches when any address of the value does (or, with
    /// <paramref name="every"/>, when every address does, and there is one).
    /// </summary>
    public static bool GlobMatches(string pattern, string value, bool every = false)
    {
        var form = OfPattern(pattern);
        return GlobMatches(pattern, value, form, every, literal: false)
            || (form == ValueForm.Path && HasEscape(pattern, value) && GlobMatches(pattern, value, form, every, literal: true));
    }

    private static bool GlobMatches(string pattern, string value, ValueForm form, bool every, bool literal)
    {
        var canonical = Spelling(pattern, form, isPattern: true, literal);
        var parts = 0;
        foreach (var part in form == ValueForm.Email ? MailAddresses.Split(value) : [value])
        {
            parts++;
            if (Matches(canonical, Spelling(part, form, isPattern: false, literal), form) != every)
            {
                return !every;
            }
        }

        return every && parts > 0;
    }

    /// <summary>
    /// A <c>not_in</c> allowlist: whether the value (or, when the list holds a mail pattern, any address of it; with
    /// <paramref name="every"/>, every address, and there is one) matches none of the globs, each comparing in the form
    /// its own shape declares.
    /// </summary>
    public static bool OutsideAll(IReadOnlyList<string> allowlist, string value, bool every = false)
    {
        var escaped = value.Contains('%', StringComparison.Ordinal);
        var paths = false;
        foreach (var glob in allowlist)
        {
            escaped |= glob.Contains('%', StringComparison.Ordinal);
            paths |= OfPattern(glob) == ValueForm.Path;
        }

        return OutsideAll(allowlist, value, every, literal: false) || (paths && escaped && OutsideAll(allowlist, value, every, literal: true));
    }

    private static bool OutsideAll(IReadOnlyList<string> allowlist, string value, bool every, bool literal)
    {
        // Each pattern's form and canonical spelling, once for all the parts of the value.
        var patterns = new (ValueForm Form, string Canonical)[allowlist.Count];
        var split = false;
        for (var i = 0; i < patterns.Length; i++)
        {
            var form = OfPattern(allowlist[i]);
            patterns[i] = (form, Spelling(allowlist[i], form, isPattern: true, literal));
            split |= form == ValueForm.Email;
        }

        var parts = 0;
        foreach (var part in split ? MailAddresses.Split(value) : [value])
        {
            parts++;
            var inside = false;
            foreach (var (form, canonical) in patterns)
            {
                if (Matches(canonical, Spelling(part, form, isPattern: false, literal), form))
                {
                    inside = true;
                    break;
                }
            }

            if (inside == every)
            {
                return !every;
            }
        }

        return every && parts > 0;
    }

    // A path is read twice when it holds an escape: decoded as a URL's path is (Normalize), and as written, as a file
    // system reads it (`/tmp/%61gent` is a directory of its own there). A rule fires when it fires under either reading,
    // so neither spelling evades a block, nor widens an allowlist (`not_in`).
    private static string Spelling(string text, ValueForm form, bool isPattern, bool literal) =>
        literal && form == ValueForm.Path ? PathSegments.Resolve(text, collapse: true) : Normalize(text, form, isPattern);

    private static bool HasEscape(string pattern, string value) =>
        pattern.Contains('%', StringComparison.Ordinal) || value.Contains('%', StringComparison.Ordinal);

    // A canonical pattern against a canonical value. A URL's scheme and host, and its path and query, are matched apart:
    // a `*` in the host never runs on into the path (`https://*.example.com/*` is not `https://evil.com/.example.com/`);
    // a pattern that ends in its host with a `*` (`https://trusted.example*`) leaves the path open.
    private static bool Matches(string pattern, string value, ValueForm form)
    {
        if (form != ValueForm.Url || !SplitAtPath(pattern, out var patternHost, out var patternPath) || !SplitAtPath(value, out var valueHost, out var valuePath))
        {
            return Glob.IsMatch(pattern, value, ignoreCase: true);
        }

        return Glob.IsMatch(patternHost, valueHost, ignoreCase: true)
            && (patternPath.IsEmpty ? patternHost.EndsWith('*') || valuePath.IsEmpty : Glob.IsMatch(patternPath, valuePath, ignoreCase: true));
    }

    // A canonical URL as its scheme and authority, and the rest from the first `/` after them.
    private static bool SplitAtPath(string url, out ReadOnlySpan<char> authority, out ReadOnlySpan<char> path)
    {
        var scheme = url.IndexOf("://", StringComparison.Ordinal);
        var start = scheme >= 0 ? scheme + 3 : url.StartsWith("//", StringComparison.Ordinal) ? 2 : -1;
        var slash = start < 0 ? -1 : url.IndexOf('/', start);
        authority = start < 0 ? default : slash < 0 ? url : url.AsSpan(0, slash);
        path = slash < 0 ? default : url.AsSpan(slash);
        return start >= 0;
    }

    // A host value's canonical name; written with more around it (a URL, a path, a port, userinfo), the host it names,
    // so that `*.example.com` never matches `evil.com/.example.com`. The host is found at the delimiters as written, before
    // percent-decoding, as a client finds it (`https://api.example.com%2F@evil.com/` names evil.com); a host that holds a
    // delimiter once decoded or mapped (`evil.com%2F.example.com`) is read up to it again.
    private static string HostOf(string text)
    {
        var canonical = HostNames.Canonical(HostNames.Named(UrlSyntax.Strip(text)), isPattern: false);
        var named = HostNames.Named(canonical);
        return ReferenceEquals(named, canonical) ? canonical : HostNames.Canonical(named, isPattern: false);
    }
}
