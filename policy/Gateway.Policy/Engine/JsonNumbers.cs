using System.Globalization;
using System.Numerics;
using System.Text;

namespace Gateway.Policy;

/// <summary>Compares a JSON number with a rule's text by value, as readers upstream do (<c>42</c>, <c>42.0</c> and <c>4.2e1</c> are one number).</summary>
internal static class JsonNumbers
{
    private const NumberStyles Style = NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent;

    /// <summary>
    /// Whether <paramref name="number"/> (a JSON number as sent) and <paramref name="expected"/> are one value: with
    /// <paramref name="exact"/>, the same decimal value (a condition that admits); else to some reader, equal as doubles
    /// (JavaScript, Python's floats) or exactly (Python's ints, decimals).
    /// </summary>
    public static bool SameNumber(string number, string expected, bool exact = false)
    {
        if (number == expected)
        {
            return true;
        }

        if (exact)
        {
            return SameDecimal(number, expected);
        }

        if (double.TryParse(number, Style, CultureInfo.InvariantCulture, out var wide)
            && double.TryParse(expected, Style, CultureInfo.InvariantCulture, out var wideExpected)
            && double.IsFinite(wide)
            && wide == wideExpected)
        {
            return true;
        }

        return (decimal.TryParse(number, Style, CultureInfo.InvariantCulture, out var exactValue)
                && decimal.TryParse(expected, Style, CultureInfo.InvariantCulture, out var exactExpected)
                && exactValue == exactExpected
                && exactValue != 0m)
            || SameDecimal(number, expected);
    }

    /// <summary>Whether both texts are numbers of one decimal value, compared digit by digit (no rounding at any length).</summary>
    public static bool SameDecimal(string number, string expected) =>
        TryCanonical(number, out var value) && TryCanonical(expected, out var other) && value == other;

    // The sign, the significant digits without leading or trailing zeros, and the power of ten of the last one:
    // 12.50e1 is (false, "125", 0), and every zero is (false, "", 0). A leading sign and a bare point are allowed.
    private static bool TryCanonical(string text, out (bool Negative, string Digits, BigInteger Exponent) value)
    {
        value = default;
        var i = 0;
        var negative = false;
        if (i < text.Length && text[i] is '+' or '-')
        {
            negative = text[i] == '-';
            i++;
        }

        var digits = new StringBuilder();
        var fractionDigits = 0;
        var sawDigit = false;
        var sawPoint = false;
        for (; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsAsciiDigit(c))
            {
                sawDigit = true;
                fractionDigits += sawPoint ? 1 : 0;
                if (digits.Length > 0 || c != '0')
                {
                    digits.Append(c);
                }
            }
            else if (c == '.' && !sawPoint)
            {
                sawPoint = true;
            }
            else
            {
                break;
            }
        }

        if (!sawDigit)
        {
            return false;
        }

        var exponent = BigInteger.Zero;
        if (i < text.Length && text[i] is 'e' or 'E')
        {
            var start = ++i;
            if (i < text.Length && text[i] is '+' or '-')
            {
                i++;
            }

            var digitsStart = i;
            while (i < text.Length && char.IsAsciiDigit(text[i]))
            {
                i++;
            }

            if (i == digitsStart || !BigInteger.TryParse(text.AsSpan(start, i - start), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out exponent))
            {
                return false;
            }
        }

        if (i != text.Length)
        {
            return false;
        }

        var trailing = 0;
        while (trailing < digits.Length && digits[digits.Length - 1 - trailing] == '0')
        {
            trailing++;
        }

        if (digits.Length == trailing)
        {
            return true;
        }

        value = (negative, digits.ToString(0, digits.Length - trailing), exponent - fractionDigits + trailing);
        return true;
    }
}
