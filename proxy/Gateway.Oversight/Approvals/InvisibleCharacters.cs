using System.Globalization;
using System.Text;

namespace Gateway.Oversight.Approvals;

/// <summary>
/// Characters a person cannot see in an agent's text but that change what it means or how it reads: control characters
/// (except tab, line feed and carriage return), format characters (bidirectional overrides, zero-width spaces and joiners,
/// Unicode tag characters), line and paragraph separators, and every other Default_Ignorable_Code_Point of Unicode
/// (DerivedCoreProperties.txt: the combining grapheme joiner, variation selectors, the Hangul fillers, Khmer inherent
/// vowels, Mongolian free variation selectors, the reserved ignorable ranges). Read by rune, so that supplementary ones count too.
/// </summary>
public static class InvisibleCharacters
{
    /// <summary>
    /// Unicode's Default_Ignorable_Code_Point ranges, first and last inclusive, in order (Unicode 16.0, DerivedCoreProperties.txt),
    /// the Hangul fillers U+115F, U+1160, U+3164 and U+FFA0 among them.
    /// </summary>
    private static readonly (int First, int Last)[] DefaultIgnorable =
    [
        (0x00AD, 0x00AD), (0x034F, 0x034F), (0x061C, 0x061C), (0x115F, 0x1160), (0x17B4, 0x17B5), (0x180B, 0x180F),
        (0x200B, 0x200F), (0x202A, 0x202E), (0x2060, 0x206F), (0x3164, 0x3164), (0xFE00, 0xFE0F), (0xFEFF, 0xFEFF),
        (0xFFA0, 0xFFA0), (0xFFF0, 0xFFF8), (0x1BCA0, 0x1BCA3), (0x1D173, 0x1D17A), (0xE0000, 0xE0FFF),
    ];

    /// <summary>True when <paramref name="rune"/> is not seen where it stands (see the class).</summary>
    public static bool IsInvisible(Rune rune) =>
        Rune.GetUnicodeCategory(rune) switch
        {
            UnicodeCategory.Control => rune.Value is not ('\t' or '\n' or '\r'),
            UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator => true,
            _ => IsDefaultIgnorable(rune.Value),
        };

    /// <summary>True when <paramref name="value"/> is a Default_Ignorable_Code_Point (a binary search of <see cref="DefaultIgnorable"/>).</summary>
    private static bool IsDefaultIgnorable(int value)
    {
        int low = 0, high = DefaultIgnorable.Length - 1;
        while (low <= high)
        {
            var middle = (low + high) / 2;
            var (first, last) = DefaultIgnorable[middle];
            if (value < first)
            {
                high = middle - 1;
            }
            else if (value > last)
            {
                low = middle + 1;
            }
            else
            {
                return true;
            }
        }

        return false;
    }

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
    /// invisible characters are removed and their compatibility lookalikes folded as NFKC folds them (an order <c>A-1795</c>
    /// and <c>A-1795</c> with a zero-width space, or <c>Ａ-１７９５</c> in fullwidth letters and digits, are one order; see
    /// <see cref="AsRead"/>). Not Unicode's confusables (UTS #39): a Cyrillic <c>А</c> for a Latin <c>A</c> still reads apart here.
    /// </summary>
    public static bool ReadAlike(string? a, string? b) =>
        a is not null && b is not null && string.Equals(AsRead(a), AsRead(b), StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// <paramref name="value"/> without invisible characters, NFKC-normalised where the runtime can (not with
    /// InvariantGlobalization, which the gateway builds with: there string.Normalize leaves non-ASCII text as it is), and
    /// in any case with NFKC's folds of the lookalikes people meet in identifiers applied by <see cref="Fold"/>.
    /// </summary>
    private static string AsRead(string value)
    {
        var visible = Rewrite(value, show: false);
        try
        {
            visible = visible.Normalize(NormalizationForm.FormKC);
        }
        catch (ArgumentException)
        {
            // A lone surrogate: no normal form; folded as it is.
        }

        var text = new StringBuilder(visible.Length);
        for (var i = 0; i < visible.Length;)
        {
            Rune.DecodeFromUtf16(visible.AsSpan(i), out var rune, out var used);
            if (Fold(rune.Value) is { } folded)
            {
                text.Append(folded);
            }
            else if (!IsInvisible(rune))
            {
                // Normalising can bring an invisible character back (U+FFA0 becomes U+1160): left out once more.
                text.Append(visible, i, used);
            }

            i += used;
        }

        return text.ToString();
    }

    /// <summary>
    /// NFKC's folding of <paramref name="c"/> when it is a compatibility lookalike of ASCII: the fullwidth forms, the wide
    /// and no-break spaces, superscript and subscript digits, circled digits and letters, the mathematical alphanumeric
    /// letters and digits, the Latin ligatures; null for any other character.
    /// </summary>
    private static string? Fold(int c) => c switch
    {
        >= 0xFF01 and <= 0xFF5E => ((char)(c - 0xFEE0)).ToString(),
        0x00A0 or (>= 0x2000 and <= 0x200A) or 0x202F or 0x205F or 0x3000 => " ",
        0x00B9 => "1",
        0x00B2 or 0x00B3 => ((char)('0' + c - 0x00B0)).ToString(),
        0x2070 or (>= 0x2074 and <= 0x2079) => ((char)('0' + c - 0x2070)).ToString(),
        >= 0x2080 and <= 0x2089 => ((char)('0' + c - 0x2080)).ToString(),
        >= 0x2460 and <= 0x2473 => (c - 0x2460 + 1).ToString(CultureInfo.InvariantCulture),
        >= 0x24B6 and <= 0x24CF => ((char)('A' + c - 0x24B6)).ToString(),
        >= 0x24D0 and <= 0x24E9 => ((char)('a' + c - 0x24D0)).ToString(),
        >= 0x1D400 and <= 0x1D6A3 => ((c - 0x1D400) % 52) is var letter && letter < 26 ? ((char)('A' + letter)).ToString() : ((char)('a' + letter - 26)).ToString(),
        >= 0x1D7CE and <= 0x1D7FF => ((char)('0' + (c - 0x1D7CE) % 10)).ToString(),
        0xFB00 => "ff",
        0xFB01 => "fi",
        0xFB02 => "fl",
        0xFB03 => "ffi",
        0xFB04 => "ffl",
        0xFB05 or 0xFB06 => "st",
        _ => null,
    };

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
