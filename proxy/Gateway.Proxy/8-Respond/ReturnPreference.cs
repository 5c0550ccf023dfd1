using Microsoft.Extensions.Primitives;

namespace Gateway.Proxy.Respond;

/// <summary>
/// The RFC 7240 <c>return</c> preference of a request: whether it asked for <c>Prefer: return=minimal</c>, which a
/// 200 decision answer honours by leaving out the body's <c>receipt</c> (the <c>Gamut-Receipt</c> header keeps it) and
/// naming the explanation by <c>explanation_digest</c> instead of carrying it, and says so in
/// <c>Preference-Applied: return=minimal</c> (docs/agent-protocol.md).
/// </summary>
/// <remarks>
/// Parsed to the RFC's grammar: <c>Prefer: 1#preference</c>, <c>preference = token [BWS "=" BWS word] *(OWS ";" [OWS
/// parameter])</c>, <c>word = token / quoted-string</c>, over every <c>Prefer</c> field the request has, as one list.
/// Preference names are compared case-insensitively, and so is the value <c>minimal</c>; only the first <c>return</c>
/// counts (RFC 7240 section 2). A field that does not parse, anywhere, is as if no preference were sent: the full answer.
/// </remarks>
internal static class ReturnPreference
{
    /// <summary>The request header (RFC 7240).</summary>
    public const string PreferHeader = "Prefer";

    /// <summary>The response header naming the preferences honoured (RFC 7240 section 3).</summary>
    public const string AppliedHeader = "Preference-Applied";

    /// <summary>The one preference honoured, as <see cref="AppliedHeader"/> says it.</summary>
    public const string Minimal = "return=minimal";

    /// <summary>True when <paramref name="prefer"/> (the request's <c>Prefer</c> fields) parses and its first <c>return</c> is <c>minimal</c>.</summary>
    public static bool IsMinimal(StringValues prefer)
    {
        var minimal = false;
        var seen = false;
        foreach (var field in prefer)
        {
            if (field is null || !TryFindReturn(field, ref seen, ref minimal))
            {
                return false;
            }
        }

        return minimal;
    }

    // Walks one field's list; false when it does not parse. The first "return" seen (in this field or an earlier one) decides.
    private static bool TryFindReturn(string field, ref bool seen, ref bool minimal)
    {
        var at = 0;
        while (true)
        {
            SkipWhitespace(field, ref at);
            if (at == field.Length)
            {
                return true;
            }

            if (field[at] == ',')
            {
                // An empty list element (RFC 9110 section 5.6.1 lets a recipient skip it).
                at++;
                continue;
            }

            if (!TryToken(field, ref at, out var name) || !TryValue(field, ref at, out var value))
            {
                return false;
            }

            while (Peek(field, ref at) == ';')
            {
                at++;
                SkipWhitespace(field, ref at);
                if (at < field.Length && field[at] is not (',' or ';') && (!TryToken(field, ref at, out _) || !TryValue(field, ref at, out _)))
                {
                    return false;
                }
            }

            if (!seen && name.Equals("return", StringComparison.OrdinalIgnoreCase))
            {
                seen = true;
                minimal = value.Equals("minimal", StringComparison.OrdinalIgnoreCase);
            }

            if (Peek(field, ref at) is not (',' or '\0'))
            {
                return false;
            }
        }
    }

    // [BWS "=" BWS word]: the value, empty when there is none; false when "=" is not followed by a word.
    private static bool TryValue(string field, ref int at, out ReadOnlySpan<char> value)
    {
        value = default;
        if (Peek(field, ref at) != '=')
        {
            return true;
        }

        at++;
        SkipWhitespace(field, ref at);
        return at < field.Length && field[at] == '"' ? TryQuoted(field, ref at, out value) : TryToken(field, ref at, out value);
    }

    // A quoted-string; its content as written (a quoted pair's backslash kept: "minimal" never holds one).
    private static bool TryQuoted(string field, ref int at, out ReadOnlySpan<char> value)
    {
        var start = ++at;
        while (at < field.Length)
        {
            var c = field[at];
            if (c == '"')
            {
                value = field.AsSpan(start, at++ - start);
                return true;
            }

            if (c == '\\')
            {
                at++;
                if (at == field.Length || !IsQuotable(field[at]))
                {
                    break;
                }
            }
            else if (!IsQuotable(c))
            {
                break;
            }

            at++;
        }

        value = default;
        return false;
    }

    private static bool TryToken(string field, ref int at, out ReadOnlySpan<char> token)
    {
        var start = at;
        while (at < field.Length && IsTokenChar(field[at]))
        {
            at++;
        }

        token = field.AsSpan(start, at - start);
        return at > start;
    }

    // The next character after optional white space ('\0' at the end).
    private static char Peek(string field, ref int at)
    {
        SkipWhitespace(field, ref at);
        return at < field.Length ? field[at] : '\0';
    }

    private static void SkipWhitespace(string field, ref int at)
    {
        while (at < field.Length && field[at] is ' ' or '\t')
        {
            at++;
        }
    }

    // tchar (RFC 9110 section 5.6.2).
    private static bool IsTokenChar(char c) =>
        char.IsAsciiLetterOrDigit(c) || c is '!' or '#' or '$' or '%' or '&' or '\'' or '*' or '+' or '-' or '.' or '^' or '_' or '`' or '|' or '~';

    // qdtext and a quoted pair's character: HTAB, SP, visible ASCII and obs-text (RFC 9110 section 5.6.4).
    private static bool IsQuotable(char c) => c is '\t' || (c >= ' ' && c != '\x7f' && c <= '\xff');
}
