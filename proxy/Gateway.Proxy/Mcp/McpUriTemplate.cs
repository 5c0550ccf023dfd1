using System.Globalization;
using System.Text;

namespace Gateway.Proxy.Mcp;

/// <summary>
/// Expands a resource template's URI (RFC 6570: simple, <c>+</c>, <c>#</c>, <c>.</c>, <c>/</c>, <c>;</c>, <c>?</c> and
/// <c>&amp;</c> expressions) with the values given, a variable given none left out: the URI a completed value would have
/// the server read. By hand: the MCP SDK's expander is internal to it.
/// </summary>
internal static class McpUriTemplate
{
    /// <summary><paramref name="template"/> with each expression replaced by its variables' values.</summary>
    public static string Expand(string template, IReadOnlyDictionary<string, string> values)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(values);
        var expanded = new StringBuilder(template.Length);
        var at = 0;
        while (template.IndexOf('{', at) is var open and >= 0 && template.IndexOf('}', open) is var close and >= 0)
        {
            expanded.Append(template, at, open - at);
            ExpandExpression(template.AsSpan(open + 1, close - open - 1), values, expanded);
            at = close + 1;
        }

        return expanded.Append(template, at, template.Length - at).ToString();
    }

    private static void ExpandExpression(ReadOnlySpan<char> expression, IReadOnlyDictionary<string, string> values, StringBuilder expanded)
    {
        var op = expression.Length > 0 && "+#./;?&".Contains(expression[0]) ? expression[0] : '\0';
        var (first, separator, named, reserved) = op switch
        {
            '+' => ("", ",", false, true),
            '#' => ("#", ",", false, true),
            '.' => (".", ".", false, false),
            '/' => ("/", "/", false, false),
            ';' => (";", ";", true, false),
            '?' => ("?", "&", true, false),
            '&' => ("&", "&", true, false),
            _ => ("", ",", false, false),
        };
        var written = 0;
        foreach (var spec in expression[(op == '\0' ? 0 : 1)..].ToString().Split(','))
        {
            var name = spec.TrimEnd('*');
            name = name.IndexOf(':', StringComparison.Ordinal) is var colon and >= 0 ? name[..colon] : name;
            if (!values.TryGetValue(name, out var value))
            {
                continue;
            }

            expanded.Append(written++ == 0 ? first : separator);
            if (named)
            {
                expanded.Append(name).Append(op == ';' && value.Length == 0 ? string.Empty : "=");
            }

            Encode(value, reserved, expanded);
        }
    }

    // Unreserved characters as they are (and, in a + or # expression, reserved ones and percent signs); the rest of the
    // value's UTF-8 percent-encoded.
    private static void Encode(string value, bool reserved, StringBuilder expanded)
    {
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            var c = (char)b;
            if (b < 0x80 && (char.IsAsciiLetterOrDigit(c) || "-._~".Contains(c) || (reserved && ":/?#[]@!$&'()*+,;=%".Contains(c))))
            {
                expanded.Append(c);
            }
            else
            {
                expanded.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }
    }
}
