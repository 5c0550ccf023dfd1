using System.Globalization;
using System.Text;

namespace Gateway.Cli;

/// <summary>
/// Text gatewayctl did not write itself (a pack's manifest, a zip entry's name, a record's or a remote agent's values) as
/// it may go to a terminal: every C0 control (tab, line feed and carriage return too), DEL, C1 control, format character
/// (Unicode category Cf: the bidi overrides and isolates U+202A–U+202E and U+2066–U+2069 among them) and line or paragraph
/// separator (U+2028, U+2029) written as a visible escape such as <c>\u{1B}</c>, so none moves the cursor, clears or hides
/// a line or reorders what is shown. <c>--json</c> output needs none of this: its serializer escapes them.
/// </summary>
internal static class TerminalText
{
    /// <summary><paramref name="text"/> with each character a terminal would act on written as <c>\u{HEX}</c> (empty for null).</summary>
    public static string Safe(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return string.Empty;
        }

        if (!text.EnumerateRunes().Any(Acts))
        {
            return text;
        }

        var safe = new StringBuilder(text.Length + 16);
        foreach (var rune in text.EnumerateRunes())
        {
            if (Acts(rune))
            {
                safe.Append(CultureInfo.InvariantCulture, $"\\u{{{rune.Value:X}}}");
            }
            else
            {
                safe.Append(rune.ToString());
            }
        }

        return safe.ToString();
    }

    // A control (C0, DEL, C1), a format character (bidi controls, zero-width ones, tags) or a line or paragraph separator.
    private static bool Acts(Rune rune) => Rune.GetUnicodeCategory(rune) is UnicodeCategory.Control or UnicodeCategory.Format
        or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator;
}
