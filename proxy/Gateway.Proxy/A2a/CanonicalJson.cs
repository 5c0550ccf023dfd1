using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Gateway.Proxy.A2a;

/// <summary>
/// RFC 8785 (JSON Canonicalization Scheme) of a parsed JSON value, what an A2A agent card's signature covers: members
/// sorted by their names' UTF-16 code units, no whitespace, strings escaped as ECMAScript's <c>JSON.stringify</c> does,
/// numbers in ECMAScript's shortest form (an integer within 2^53 as its digits; any other number read as a double
/// and written shortest round-trip, with ECMAScript's exponent form).
/// </summary>
internal static class CanonicalJson
{
    /// <summary>The canonical UTF-8 bytes of <paramref name="value"/>.</summary>
    public static byte[] Serialize(JsonElement value)
    {
        var text = new StringBuilder();
        Write(text, value);
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    private static void Write(StringBuilder text, JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                text.Append('{');
                var first = true;
                foreach (var member in value.EnumerateObject().OrderBy(static m => m.Name, StringComparer.Ordinal))
                {
                    text.Append(first ? string.Empty : ",");
                    first = false;
                    WriteString(text, member.Name);
                    text.Append(':');
                    Write(text, member.Value);
                }

                text.Append('}');
                break;
            case JsonValueKind.Array:
                text.Append('[');
                var index = 0;
                foreach (var item in value.EnumerateArray())
                {
                    text.Append(index++ == 0 ? string.Empty : ",");
                    Write(text, item);
                }

                text.Append(']');
                break;
            case JsonValueKind.String:
                WriteString(text, value.GetString()!);
                break;
            case JsonValueKind.Number:
                text.Append(Number(value.GetDouble()));
                break;
            case JsonValueKind.True:
                text.Append("true");
                break;
            case JsonValueKind.False:
                text.Append("false");
                break;
            default:
                text.Append("null");
                break;
        }
    }

    /// <summary>ECMAScript's Number.prototype.toString of <paramref name="number"/> (finite: JSON has no other).</summary>
    internal static string Number(double number)
    {
        if (number == 0)
        {
            return "0";
        }

        if (Math.Abs(number) < 1e21 && Math.Abs(number) >= 1e-6)
        {
            var fixedText = number.ToString("R", CultureInfo.InvariantCulture);
            if (!fixedText.Contains('E', StringComparison.Ordinal))
            {
                return fixedText;
            }

            // Round-trip gave an exponent inside ECMAScript's fixed range: write the digits out.
            return decimal.TryParse(fixedText, NumberStyles.Float, CultureInfo.InvariantCulture, out var exact)
                ? exact.ToString(CultureInfo.InvariantCulture)
                : fixedText;
        }

        // ECMAScript's exponent form: d[.ddd]e±n.
        var exponentText = number.ToString("E16", CultureInfo.InvariantCulture);
        var shortest = number.ToString("R", CultureInfo.InvariantCulture);
        var mantissa = shortest.Contains('E', StringComparison.Ordinal) ? shortest[..shortest.IndexOf('E', StringComparison.Ordinal)] : exponentText[..exponentText.IndexOf('E', StringComparison.Ordinal)].TrimEnd('0').TrimEnd('.');
        var exponent = int.Parse(shortest.Contains('E', StringComparison.Ordinal) ? shortest[(shortest.IndexOf('E', StringComparison.Ordinal) + 1)..] : exponentText[(exponentText.IndexOf('E', StringComparison.Ordinal) + 1)..], CultureInfo.InvariantCulture);
        return mantissa + "e" + (exponent >= 0 ? "+" : "-") + Math.Abs(exponent).ToString(CultureInfo.InvariantCulture);
    }

    private static void WriteString(StringBuilder text, string value)
    {
        text.Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"':
                    text.Append("\\\"");
                    break;
                case '\\':
                    text.Append("\\\\");
                    break;
                case '\b':
                    text.Append("\\b");
                    break;
                case '\f':
                    text.Append("\\f");
                    break;
                case '\n':
                    text.Append("\\n");
                    break;
                case '\r':
                    text.Append("\\r");
                    break;
                case '\t':
                    text.Append("\\t");
                    break;
                default:
                    if (c < 0x20)
                    {
                        text.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        text.Append(c);
                    }

                    break;
            }
        }

        text.Append('"');
    }
}
