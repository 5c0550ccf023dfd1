using System.Globalization;

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
        ValueForm.Host => HostNames.Canonical(text, isPattern),
        ValueForm.Email => MailAddresses.Canonical(text, isPattern),
        ValueForm.Url => Urls.Canonical(text, isPattern),
        ValueForm.Path => PathSegments.Resolve(text, collapse: true),
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
        foreach (var part in form == ValueForm.Email ? MailAddresses.Split(value) : [value])
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

        foreach (var part in split ? MailAddresses.Split(value) : [value])
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
}
