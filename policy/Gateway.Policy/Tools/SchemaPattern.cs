using System.Collections.Concurrent;
using System.Text;
using System.Text.RegularExpressions;

namespace Gateway.Policy.Tools;

/// <summary>
/// An input schema's <c>pattern</c> as JSON Schema reads it, in ECMA-262's dialect: <c>\d</c>, <c>\w</c> and <c>\b</c> in
/// ASCII only (<see cref="RegexOptions.ECMAScript"/>), and <c>$</c> only at the very end of the text (.NET's also matches
/// before a final newline, so that <c>^[a-z0-9-]+$</c> would take <c>"acct-1\n"</c>). Each pattern is compiled once, when
/// the bundle's schemas are checked at load, and matched under a timeout (a match that runs out does not match).
/// </summary>
internal static class SchemaPattern
{
    /// <summary>The most compiled patterns kept; beyond it the cache starts over, so reloads never grow it without bound.</summary>
    private const int MaxPatterns = 4096;

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
            regex = new Regex(EndAnchored(pattern), RegexOptions.ECMAScript | RegexOptions.CultureInvariant, Timeout);
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

    /// <summary><paramref name="pattern"/> with each <c>$</c> outside a character class, and .NET's <c>\Z</c>, written <c>\z</c>: the end of the text only.</summary>
    private static string EndAnchored(string pattern)
    {
        if (!pattern.Contains('$', StringComparison.Ordinal) && !pattern.Contains("\\Z", StringComparison.Ordinal))
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
                anchored.Append('\\').Append(classDepth == 0 && escaped == 'Z' ? 'z' : escaped);
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
}
