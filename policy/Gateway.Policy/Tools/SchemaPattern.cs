using System.Collections.Concurrent;
using System.Text;
using System.Text.RegularExpressions;

namespace Gateway.Policy.Tools;

/// <summary>
/// An input schema's <c>pattern</c> as JSON Schema reads it, in ECMA-262's dialect: <c>\d</c>, <c>\w</c> and <c>\b</c> in
/// ASCII only (<see cref="RegexOptions.ECMAScript"/>), <c>\s</c> ECMA-262's white space and line terminators (.NET's
/// ECMAScript <c>\s</c> is ASCII only, so that <c>^\S+$</c> would take a no-break space) and <c>\S</c> all else, and
/// <c>$</c> only at the very end of the text (.NET's also matches before a final newline, so that <c>^[a-z0-9-]+$</c>
/// would take <c>"acct-1\n"</c>). Each pattern is compiled once, when the bundle's schemas are checked at load, and
/// matched under a timeout (a match that runs out does not match).
/// </summary>
internal static class SchemaPattern
{
    /// <summary>The most compiled patterns kept; beyond it the cache starts over, so reloads never grow it without bound.</summary>
    private const int MaxPatterns = 4096;

    /// <summary>ECMA-262's <c>\s</c> (WhiteSpace and LineTerminator), as the inside of a character class.</summary>
    private const string WhiteSpace = "\\u0009-\\u000D\\u0020\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000\\uFEFF";

    /// <summary>ECMA-262's <c>\S</c>: every UTF-16 code unit not in <see cref="WhiteSpace"/>, as the inside of a character class.</summary>
    private const string NotWhiteSpace = "\\u0000-\\u0008\\u000E-\\u001F\\u0021-\\u009F\\u00A1-\\u167F\\u1681-\\u1FFF\\u200B-\\u2027\\u202A-\\u202E\\u2030-\\u205E\\u2060-\\u2FFF\\u3001-\\uFEFE\\uFF00-\\uFFFF";

    private static readonly TimeSpan Timeout = TimeSpan.FromMilliseconds(50);

    private static readonly ConcurrentDictionary<string, Regex?> Compiled = new(StringComparer.Ordinal);

    /// <summary>True when <paramref name="pattern"/> is a regular expression the gateway can match.</summary>
    public static bool IsRegex(string pattern) => Compile(pattern) is not null;

    /// <summary>True when <paramref name="text"/> matches <paramref name="pattern"/> (anywhere, as JSON Schema's <c>pattern</c> does) within the timeout.</summary>
    public static bool Matches(string pattern, string text)
    {
        try
        {
            return Compile(pattern)?.IsMatch(text) == true;
        }
        catch (RegexMatchTimeoutException)
        {
            return false;
        }
    }

    private static Regex? Compile(string pattern)
    {
        if (Compiled.TryGetValue(pattern, out var cached))
        {
            return cached;
        }

        Regex? regex;
        try
        {
            regex = new Regex(Translated(pattern), RegexOptions.ECMAScript | RegexOptions.CultureInvariant, Timeout);
        }
        catch (ArgumentException)
        {
            regex = null;
        }

        if (Compiled.Count >= MaxPatterns)
        {
            Compiled.Clear();
        }

        Compiled[pattern] = regex;
        return regex;
    }

    /// <summary>
    /// <paramref name="pattern"/> with each <c>$</c> outside a character class, and .NET's <c>\Z</c>, written <c>\z</c>
    /// (the end of the text only), and each <c>\s</c> and <c>\S</c>, in a class or not, written as ECMA-262's sets.
    /// </summary>
    private static string Translated(string pattern)
    {
        if (!pattern.Contains('$', StringComparison.Ordinal) && !pattern.Contains('\\', StringComparison.Ordinal))
        {
            return pattern;
        }

        var anchored = new StringBuilder(pattern.Length + 8);
        var classDepth = 0;
        var afterDash = false;
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '\\' && i + 1 < pattern.Length)
            {
                var escaped = pattern[++i];
                if (escaped is 's' or 'S')
                {
                    i = AppendWhiteSpaceClass(anchored, pattern, i, escaped == 'S', classDepth > 0, afterDash);
                }
                else
                {
                    anchored.Append('\\').Append(classDepth == 0 && escaped == 'Z' ? 'z' : escaped);
                }

                afterDash = false;
                continue;
            }

            if (c == '[' && (classDepth == 0 || afterDash))
            {
                // A class opens (or, after a '-' in one, a subtracted class); a ']' right after '[' or '[^' is a literal.
                classDepth++;
                anchored.Append(c);
                if (i + 1 < pattern.Length && pattern[i + 1] == '^')
                {
                    anchored.Append(pattern[++i]);
                }

                if (i + 1 < pattern.Length && pattern[i + 1] == ']')
                {
                    anchored.Append(pattern[++i]);
                }
            }
            else if (c == ']' && classDepth > 0)
            {
                classDepth--;
                anchored.Append(c);
            }
            else if (c == '$' && classDepth == 0)
            {
                anchored.Append("\\z");
            }
            else
            {
                anchored.Append(c);
            }

            afterDash = c == '-' && classDepth > 0;
        }

        return anchored.ToString();
    }

    /// <summary>
    /// Appends <c>\s</c> (or, <paramref name="negated"/>, <c>\S</c>) found at <paramref name="at"/>: a class of its own outside
    /// one, its ranges inside one. There, a '-' beside it is a literal as ECMA-262 reads it (a class escape bounds no range),
    /// so it is written <c>\-</c>, except before a '[' (.NET's class subtraction). Returns the index of the last character read.
    /// </summary>
    private static int AppendWhiteSpaceClass(StringBuilder to, string pattern, int at, bool negated, bool inClass, bool afterDash)
    {
        if (!inClass)
        {
            to.Append(negated ? "[^" : "[").Append(WhiteSpace).Append(']');
            return at;
        }

        if (afterDash)
        {
            // The '-' just written, which .NET would read as a range up to the set.
            to.Insert(to.Length - 1, '\\');
        }

        to.Append(negated ? NotWhiteSpace : WhiteSpace);
        if (at + 1 < pattern.Length && pattern[at + 1] == '-' && (at + 2 == pattern.Length || pattern[at + 2] != '['))
        {
            to.Append("\\-");
            return at + 1;
        }

        return at;
    }
}
