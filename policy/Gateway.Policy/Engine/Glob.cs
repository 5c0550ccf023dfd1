namespace Gateway.Policy;

/// <summary>
/// Glob matching with <c>*</c> (any run, including empty) and <c>?</c> (one character): ordinal, or
/// ordinal-ignore-case for values such as domains and mail addresses. A <c>*</c> or <c>?</c> in the text is an ordinary
/// character (there is no escape). No allocation.
/// </summary>
internal static class Glob
{
    public static bool IsMatch(ReadOnlySpan<char> pattern, ReadOnlySpan<char> text, bool ignoreCase = false)
    {
        int p = 0, t = 0, star = -1, mark = 0;
        while (t < text.Length)
        {
            // A `*` in the pattern is always the wildcard, tested first: compared as a character against a `*` in the
            // text, it would record no backtrack point, and `*` would not match `*abc`.
            if (p < pattern.Length && pattern[p] == '*')
            {
                star = p++;
                mark = t;
            }
            else if (p < pattern.Length && (pattern[p] == '?' || pattern[p] == text[t] || (ignoreCase && char.ToUpperInvariant(pattern[p]) == char.ToUpperInvariant(text[t]))))
            {
                p++;
                t++;
            }
            else if (star >= 0)
            {
                p = star + 1;
                t = ++mark;
            }
            else
            {
                return false;
            }
        }

        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }

        return p == pattern.Length;
    }

    public static bool AnyMatch(IReadOnlyList<string> patterns, string text)
    {
        for (var i = 0; i < patterns.Count; i++)
        {
            if (IsMatch(patterns[i], text))
            {
                return true;
            }
        }

        return false;
    }
}
