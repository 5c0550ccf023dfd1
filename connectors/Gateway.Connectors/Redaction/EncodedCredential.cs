using System.Buffers;
using System.Text;

namespace Gateway.Connectors.Redaction;

/// <summary>
/// One credential found however an echo encodes it: the text is read as a decoder reads it and the credential's canonical
/// form is matched in that reading, each match mapped back to the characters that spell it. Percent-escapes are decoded
/// first (<c>%XX</c> in either hex case, a UTF-8 sequence of them one character), in any mix with plain characters (Python's
/// <c>quote</c>, which keeps <c>/</c>; Go's <c>PathEscape</c>); then backslash escapes: a run of backslashes before ASCII
/// punctuation is the punctuation (Markdown's <c>\_</c> <c>\*</c> <c>\-</c>, JSON's <c>\/</c> <c>\"</c>, the two nested),
/// one before <c>uXXXX</c> the character it names, any other run one backslash; and <c>+</c> reads as a space (form
/// encoding). The form may itself be an encoding of the credential (<see cref="OfSpelling"/>: its percent-encoding, its
/// base64), so that an echo escaping that encoding once more is read back to it. A text is read once for every form
/// (<see cref="Read"/>, linear), each form a vectorised search in that reading; the hold-back scan at a stream's end is
/// linear (Knuth–Morris–Pratt) and allocates nothing for a credential of up to <see cref="StackLength"/> characters. Immutable.
/// </summary>
internal sealed class EncodedCredential
{
    // The characters that make a text read otherwise than it is written: a text without them is its own reading.
    private static readonly SearchValues<char> Decodable = SearchValues.Create("%\\+");

    // The most characters one character of the reading is spelled with (\u0041 percent-encoded: %5C%75%30%30%34%31).
    private const int MaxUnitLength = 18;

    // The longest pattern whose scan keeps its positions on the stack.
    private const int StackLength = 128;

    private readonly int[] _failure;

    private EncodedCredential(string pattern)
    {
        Pattern = pattern;
        _failure = new int[pattern.Length];
        for (int i = 1, k = 0; i < pattern.Length; i++)
        {
            while (k > 0 && pattern[i] != pattern[k])
            {
                k = _failure[k - 1];
            }

            k += pattern[i] == pattern[k] ? 1 : 0;
            _failure[i] = k;
        }
    }

    /// <summary>The credential as the reading spells it.</summary>
    public string Pattern { get; }

    /// <summary>
    /// The forms of <paramref name="secret"/> looked for, each at least <paramref name="minLength"/> characters: as read
    /// (its own escapes decoded), and as written when that differs (a secret holding an escape, echoed encoded once).
    /// </summary>
    public static IEnumerable<EncodedCredential> Of(string secret, int minLength)
    {
        ArgumentNullException.ThrowIfNull(secret);
        var reading = new StringBuilder(secret.Length);
        var reader = new Reader(secret, 0);
        while (reader.Next(out var c, out _, out _))
        {
            reading.Append(c);
        }

        var read = reading.ToString();
        var written = secret.Replace('+', ' ');
        return new[] { read, written }.Distinct(StringComparer.Ordinal).Where(p => p.Length >= minLength).Select(static p => new EncodedCredential(p));
    }

    /// <summary>An encoding of a credential (its percent-encoding, base64) found however an echo escapes it once more (<c>\u0025</c>, <c>%25</c>, <c>\/</c>).</summary>
    public static EncodedCredential OfSpelling(string spelling)
    {
        ArgumentNullException.ThrowIfNull(spelling);
        return new EncodedCredential(spelling.Replace('+', ' '));
    }

    /// <summary><paramref name="text"/> from <paramref name="start"/> as read, once for every form's <see cref="Find"/>; null when it reads as written.</summary>
    public static TextReading? Read(ReadOnlySpan<char> text, int start)
    {
        if (text[start..].IndexOfAny(Decodable) < 0)
        {
            return null;
        }

        var reading = new TextReading(text.Length - start, text.Length);
        var reader = new Reader(text, start);
        while (reader.Next(out var c, out var unitStart, out _))
        {
            reading.Add(c, unitStart);
        }

        return reading;
    }

    /// <summary>The first occurrence at or after <paramref name="start"/> in <see cref="Read"/>'s <paramref name="reading"/>: its index and length, or -1.</summary>
    public int Find(ReadOnlySpan<char> text, int start, TextReading? reading, out int length)
    {
        length = 0;
        if (reading is null)
        {
            var plain = text[start..].IndexOf(Pattern, StringComparison.Ordinal);
            length = plain < 0 ? 0 : Pattern.Length;
            return plain < 0 ? -1 : start + plain;
        }

        var from = reading.IndexAt(start);
        var found = reading.Chars[from..].IndexOf(Pattern, StringComparison.Ordinal);
        if (found < 0)
        {
            return -1;
        }

        var at = reading.StartOf(from + found);
        length = reading.StartOf(from + found + Pattern.Length) - at;
        return at;
    }

    /// <summary>
    /// Where <paramref name="text"/> ends with what could still become an occurrence (the beginning of one, or an escape
    /// the next piece of a stream completes): its start, or the text's length when there is none. Looks back no further
    /// than the longest spelling (of up to <see cref="MaxUnitLength"/> characters for each of the credential's).
    /// </summary>
    public int PartialStart(ReadOnlySpan<char> text)
    {
        var m = Pattern.Length;

        // Read from before the longest spelling could start: a reading begun inside an escape is itself again within one.
        var from = Math.Max(0, text.Length - ((m + 1) * MaxUnitLength));
        if (text[from..].IndexOfAny(Decodable) < 0)
        {
            for (var start = Math.Max(from, text.Length - m + 1); start < text.Length; start++)
            {
                if (Pattern.AsSpan().StartsWith(text[start..], StringComparison.Ordinal))
                {
                    return start;
                }
            }

            return text.Length;
        }

        var starts = m <= StackLength ? stackalloc int[m] : new int[m];
        var reader = new Reader(text, from);
        var matched = 0;
        var read = 0;
        while (reader.Next(out var c, out var unitStart, out var incomplete))
        {
            if (incomplete)
            {
                return matched > 0 ? starts[(read - matched) % m] : unitStart;
            }

            starts[read++ % m] = unitStart;
            matched = Step(matched, c);
            if (matched == m)
            {
                matched = _failure[m - 1];
            }
        }

        return matched > 0 ? starts[(read - matched) % m] : text.Length;
    }

    // The KMP automaton: how much of the pattern is matched after c, when matched was before it.
    private int Step(int matched, char c)
    {
        while (matched > 0 && Pattern[matched] != c)
        {
            matched = _failure[matched - 1];
        }

        return Pattern[matched] == c ? matched + 1 : matched;
    }

    // The text read one character at a time: percent-escapes decoded (Percent), then backslash escapes, + as a space.
    private ref struct Reader(ReadOnlySpan<char> text, int at)
    {
        private Percent _percent = new(text, at);

        // Where the next character's spelling starts.
        public readonly int Position => _percent.Position;

        // The next character, where its spelling starts, and whether the text ends inside that spelling (or before what
        // decides it): more text could read it otherwise. False at the end.
        public bool Next(out char c, out int start, out bool incomplete)
        {
            if (!_percent.Next(out c, out start, out incomplete))
            {
                return false;
            }

            if (c != '\\')
            {
                c = Space(c);
                return true;
            }

            // A run of backslashes, and the character after it (after: past that character).
            c = '\\';
            char next;
            Percent after;
            for (var run = 1; ; run++)
            {
                after = _percent;
                if (!after.Next(out next, out _, out var ended))
                {
                    incomplete |= run <= EscapedText.MaxHeldRun;
                    return true;
                }

                incomplete |= ended;
                if (next != '\\')
                {
                    break;
                }

                _percent = after;
            }

            if (EscapedText.IsAsciiPunctuation(next))
            {
                _percent = after;
                c = Space(next);
            }
            else if (next == 'u')
            {
                var value = 0;
                for (var digit = 0; digit < 4; digit++)
                {
                    if (!after.Next(out var hex, out _, out var ended))
                    {
                        incomplete = true;
                        return true;
                    }

                    incomplete |= ended;
                    if (!char.IsAsciiHexDigit(hex))
                    {
                        return true;
                    }

                    value = (value * 16) + HexValue(hex);
                }

                _percent = after;
                c = Space((char)value);
            }

            return true;
        }

        private static char Space(char c) => c == '+' ? ' ' : c;
    }

    private static int HexValue(char hex) => char.IsAsciiDigit(hex) ? hex - '0' : (hex | 0x20) - 'a' + 10;

    // The text read as percent-decoding reads it: %XX a byte, a UTF-8 sequence of them one character (two UTF-16 units
    // past the BMP), anything else (a % that starts none) itself.
    private ref struct Percent(ReadOnlySpan<char> text, int at)
    {
        private readonly ReadOnlySpan<char> _text = text;
        private int _at = at;
        private char _low;
        private int _lowStart;

        public readonly int Position => _at;

        public bool Next(out char c, out int start, out bool incomplete)
        {
            incomplete = false;
            if (_low != '\0')
            {
                (c, start, _low) = (_low, _lowStart, '\0');
                return true;
            }

            start = _at;
            if (_at >= _text.Length)
            {
                c = '\0';
                return false;
            }

            c = _text[_at];
            if (c == '%' && Sequence(out var rune, out var length, out incomplete))
            {
                _at += length;
                if (rune.IsBmp)
                {
                    c = (char)rune.Value;
                }
                else
                {
                    var value = rune.Value - 0x10000;
                    (c, _low, _lowStart) = ((char)(0xD800 + (value >> 10)), (char)(0xDC00 + (value & 0x3FF)), start);
                }

                return true;
            }

            _at++;
            return true;
        }

        // The character the %XX escapes at _at spell (an ASCII byte, or a whole UTF-8 sequence), and their length; false
        // when they spell none (incomplete: the text ends before that is known).
        private readonly bool Sequence(out Rune rune, out int length, out bool incomplete)
        {
            rune = default;
            length = 0;
            incomplete = false;
            Span<byte> bytes = stackalloc byte[4];
            for (int count = 0, need = 1; count < need; count++)
            {
                var at = _at + (3 * count);
                if (at + 3 > _text.Length)
                {
                    // %, %4, or the text ends before a continuation byte: the next piece decides, unless what is there already has.
                    incomplete = !_text[Math.Min(at, _text.Length)..].ContainsAnyExcept(PercentHex);
                    return false;
                }

                if (_text[at] != '%' || !char.IsAsciiHexDigit(_text[at + 1]) || !char.IsAsciiHexDigit(_text[at + 2]))
                {
                    return false;
                }

                bytes[count] = (byte)((HexValue(_text[at + 1]) * 16) + HexValue(_text[at + 2]));
                need = count > 0 ? need : bytes[0] switch { < 0x80 => 1, >= 0xC2 and <= 0xDF => 2, >= 0xE0 and <= 0xEF => 3, >= 0xF0 and <= 0xF4 => 4, _ => 1 };
                length = 3 * (count + 1);
            }

            return Rune.DecodeFromUtf8(bytes[..(length / 3)], out rune, out var consumed) == OperationStatus.Done && consumed == length / 3;
        }

        private static readonly SearchValues<char> PercentHex = SearchValues.Create("%0123456789abcdefABCDEF");
    }
}
