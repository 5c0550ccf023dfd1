using System.Globalization;
using System.Text;

namespace Gateway.Oversight.Approvals;

/// <summary>
/// Characters a person cannot see in an agent's text but that change what it means or how it reads: control characters
/// (except tab, line feed and carriage return), format characters (bidirectional overrides, zero-width spaces and joiners,
/// Unicode tag characters) and line and paragraph separators. Read by rune, so that supplementary ones count too.
/// </summary>
public static class InvisibleCharacters
{
    /// <summary>True when <paramref name="rune"/> is not seen where it stands (see the class).</summary>
    public static bool IsInvisible(Rune rune) =>
        Rune.GetUnicodeCategory(rune) switch
        {
            UnicodeCategory.Control => rune.Value is not ('\t' or '\n' or '\r'),
            UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator => true,
            _ => false,
        };

    /// <summary>True when <paramref name="value"/> holds an invisible character.</summary>
    public static bool Any(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        foreach (var rune in value.EnumerateRunes())
        {
            if (IsInvisible(rune))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary><paramref name="value"/> with each invisible character written out where it stands (U+202E as <c>⟨U+202E⟩</c>).</summary>
    public static string Shown(string value) => Rewrite(value, show: true);

    /// <summary>
    /// True when <paramref name="a"/> and <paramref name="b"/> read the same to a person: equal, ignoring case, once their
    /// invisible characters are removed (an order <c>A-1795</c> and <c>A-1795</c> with a zero-width space are one order).
    /// </summary>
    public static bool ReadAlike(string? a, string? b) =>
        a is not null && b is not null && string.Equals(Rewrite(a, show: false), Rewrite(b, show: false), StringComparison.OrdinalIgnoreCase);

    /// <summary><paramref name="value"/> with each invisible character written out (<paramref name="show"/>) or removed; every other character kept as it is.</summary>
    private static string Rewrite(string value, bool show)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (!Any(value))
        {
            return value;
        }

        var text = new StringBuilder(value.Length + 16);
        for (var i = 0; i < value.Length;)
        {
            Rune.DecodeFromUtf16(value.AsSpan(i), out var rune, out var used);
            if (!IsInvisible(rune))
            {
                text.Append(value, i, used);
            }
            else if (show)
            {
                text.Append("⟨U+").Append(rune.Value.ToString("X4", CultureInfo.InvariantCulture)).Append('⟩');
            }

            i += used;
        }

        return text.ToString();
    }
}
