using System.Globalization;

namespace Gateway.Policy;

/// <summary>Compares a JSON number with a rule's text by value, as readers upstream do (<c>42</c>, <c>42.0</c> and <c>4.2e1</c> are one number).</summary>
internal static class JsonNumbers
{
    private const NumberStyles Style = NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent;

    /// <summary>Whether <paramref name="number"/> (a JSON number as sent) and <paramref name="expected"/> are one value to some reader: equal as doubles (JavaScript, Python's floats) or exactly (Python's ints, decimals).</summary>
    public static bool SameNumber(string number, string expected)
    {
        if (number == expected)
        {
            return true;
        }

        if (double.TryParse(number, Style, CultureInfo.InvariantCulture, out var wide)
            && double.TryParse(expected, Style, CultureInfo.InvariantCulture, out var wideExpected)
            && double.IsFinite(wide)
            && wide == wideExpected)
        {
            return true;
        }

        return decimal.TryParse(number, Style, CultureInfo.InvariantCulture, out var exact)
            && decimal.TryParse(expected, Style, CultureInfo.InvariantCulture, out var exactExpected)
            && exact == exactExpected
            && exact != 0m;
    }
}
