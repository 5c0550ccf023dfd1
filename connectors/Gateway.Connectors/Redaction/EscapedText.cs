using System.Globalization;
using System.Text;

namespace Gateway.Connectors.Redaction;

/// <summary>
/// A text matched as written but read as an agent's JSON parser reads it: a copy in which the JSON escapes
/// <c>\uXXXX</c> (either hex case) and <c>\/</c> are decoded, with each of its positions mapped back to the original,
/// so a match found in the copy (<c>ada\u0040example.com</c>, <c>4111\u00201111…</c>, <c>\u0034111…</c>) is replaced
/// where its escaped spelling stands. So are Markdown's backslash escapes, as a person reading the rendered text sees
/// them: a run of backslashes before ASCII punctuation (<c>ada\_lovelace</c>, <c>sk\_live\_…</c>, and <c>\\_</c>, which
/// a JSON parser reads as <c>\_</c>) is read as the punctuation alone, the whole run and the character one position.
/// Every other escape (<c>\n</c>, <c>\t</c>, <c>\\</c> before a letter…) is kept as its two characters, which the
/// patterns read raw (<see cref="SensitivePatterns"/>); <c>\\u0040</c> stays the text <c>\u0040</c>, as a parser reads
/// it. Text holding no such escape is its own copy (no allocation). Immutable.
/// </summary>
internal sealed class EscapedText
{
    // The original index of each position of the copy, and the original length after the last; null when the copy is the original.
    private readonly int[]? _starts;

    private EscapedText(string decoded, int[]? starts)
    {
        Decoded = decoded;
        _starts = starts;
    }

    /// <summary>The copy the patterns are matched in.</summary>
    public string Decoded { get; }

    /// <summary>The copy of <paramref name="text"/> (the same instance when it holds no escape that decodes).</summary>
    public static EscapedText Of(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!MayHoldEscape(text))
        {
            return new EscapedText(text, null);
        }

        var decoded = new StringBuilder(text.Length);
        var starts = new int[text.Length + 1];
        var runEnd = 0;
        for (var i = 0; i < text.Length;)
        {
            starts[decoded.Length] = i;
            if (text[i] != '\\' || i + 1 == text.Length)
            {
                decoded.Append(text[i++]);
            }
            else if (i >= runEnd && EndsBeforePunctuation(text, i, out runEnd))
            {
                // \/ (JSON), \_ \* \. (Markdown), \\_ (Markdown in a JSON string): the punctuation alone, mapped to the run's
                // start. A run that does not end so is looked at once (runEnd), not again from each of its backslashes.
                decoded.Append(text[runEnd]);
                i = runEnd + 1;
            }
            else if (text[i + 1] == 'u' && i + 6 <= text.Length && TryHex(text.AsSpan(i + 2, 4), out var c))
            {
                decoded.Append(c);
                i += 6;
            }
            else
            {
                // Any other escape, or a stray backslash, and what follows it: as written, each its own position.
                decoded.Append(text[i]);
                starts[decoded.Length] = i + 1;
                decoded.Append(text[i + 1]);
                i += 2;
            }
        }

        starts[decoded.Length] = text.Length;
        return new EscapedText(decoded.ToString(), starts);
    }

    /// <summary>Where position <paramref name="index"/> of the copy (its length included) stands in the original.</summary>
    public int Original(int index) => _starts is null ? index : _starts[index];

    /// <summary>The position of the copy whose character holds original position <paramref name="original"/> (its length for the original's).</summary>
    public int DecodedIndex(int original)
    {
        if (_starts is null)
        {
            return original;
        }

        var found = Array.BinarySearch(_starts, 0, Decoded.Length + 1, original);
        return found >= 0 ? found : ~found - 1;
    }

    /// <summary>
    /// <paramref name="at"/>, or the position before it when that is the backslash of a two-character escape (an odd run
    /// of backslashes ends there): text cut there starts with whole escapes, read again as before.
    /// </summary>
    public static int UnitStart(ReadOnlySpan<char> text, int at)
    {
        var run = 0;
        while (at - run - 1 >= 0 && text[at - run - 1] == '\\')
        {
            run++;
        }

        return run % 2 == 1 ? at - 1 : at;
    }

    /// <summary>
    /// True when <paramref name="text"/> may hold an escape the copy decodes (a backslash before <c>u</c>, or a run of
    /// backslashes before ASCII punctuation).
    /// </summary>
    public static bool MayHoldEscape(ReadOnlySpan<char> text)
    {
        for (var at = text.IndexOf('\\'); at >= 0 && at + 1 < text.Length; at = text[(at + 1)..].IndexOf('\\') is var next and >= 0 ? at + 1 + next : -1)
        {
            if (text[at + 1] == 'u' || IsAsciiPunctuation(text[at + 1]))
            {
                return true;
            }
        }

        return false;
    }

    // Whether the run of backslashes from start ends before ASCII punctuation (not a backslash); runEnd: where it ends.
    private static bool EndsBeforePunctuation(string text, int start, out int runEnd)
    {
        runEnd = start;
        while (runEnd < text.Length && text[runEnd] == '\\')
        {
            runEnd++;
        }

        return runEnd < text.Length && IsAsciiPunctuation(text[runEnd]);
    }

    /// <summary>ASCII punctuation but the backslash, which is part of a run of them.</summary>
    internal static bool IsAsciiPunctuation(char c) => c is (>= '!' and <= '/') or (>= ':' and <= '@') or '[' or (>= ']' and <= '`') or (>= '{' and <= '~');

    /// <summary>
    /// The length of <paramref name="text"/> without the beginning of an escape it ends with (a run of up to
    /// <see cref="MaxHeldRun"/> backslashes, which punctuation could follow, or <c>\u</c> and fewer than four hex digits),
    /// which the next piece of a stream could complete into a character.
    /// </summary>
    public static int CompleteLength(ReadOnlySpan<char> text)
    {
        var at = text.LastIndexOf('\\');
        if (at < 0 || text.Length - at > 5)
        {
            return text.Length;
        }

        // The backslash starts an escape only after an even run of backslashes (else it is the second of \\).
        var run = 0;
        while (at - run - 1 >= 0 && text[at - run - 1] == '\\')
        {
            run++;
        }

        var rest = text[(at + 1)..];
        if (rest.IsEmpty && run < MaxHeldRun)
        {
            return at - run;
        }

        var partial = rest.IsEmpty || (rest[0] == 'u' && !rest[1..].ContainsAnyExcept(HexDigits));
        return run % 2 == 0 && partial ? at : text.Length;
    }

    /// <summary>The longest trailing run of backslashes <see cref="CompleteLength"/> holds back whole (a longer one: its last backslash).</summary>
    public const int MaxHeldRun = 8;

    private const string HexDigits = "0123456789abcdefABCDEF";

    private static bool TryHex(ReadOnlySpan<char> hex, out char c)
    {
        var value = (ushort)0;
        var ok = !hex.ContainsAnyExcept(HexDigits) && ushort.TryParse(hex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value);
        c = (char)value;
        return ok;
    }
}
