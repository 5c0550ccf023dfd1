using System.Text;

namespace Gateway.Policy.Canonical;

// JSON strings in canonical form: escapes decoded from the source and written again with only the escapes the form allows.
public readonly partial struct CanonicalJsonWriter
{
    /// <summary>
    /// Writes the content of a JSON string as it stands in valid JSON source (without its quotes) in
    /// canonical form: runs without a backslash are already canonical (valid JSON holds no unescaped quote
    /// or control character) and are copied; each escape is decoded and written again canonically.
    /// </summary>
    private void WriteJsonString(ReadOnlySpan<byte> raw, ReadOnlySpan<byte> suffix = default)
    {
        var escape = raw.IndexOf((byte)'\\');
        if (escape < 0)
        {
            // The rule: nothing to unescape, so quote, text, quote and suffix go out in one copy.
            var span = _output.GetSpan(raw.Length + 2 + suffix.Length);
            span[0] = (byte)'"';
            raw.CopyTo(span[1..]);
            span[raw.Length + 1] = (byte)'"';
            suffix.CopyTo(span[(raw.Length + 2)..]);
            _output.Advance(raw.Length + 2 + suffix.Length);
            return;
        }

        WriteRaw("\""u8);
        while (escape >= 0)
        {
            WriteRaw(raw[..escape]);
            raw = raw[(escape + 1)..];
            var kind = raw[0];
            raw = raw[1..];
            switch (kind)
            {
                case (byte)'u':
                    var unit = ParseHex4(raw);
                    raw = raw[4..];
                    if (char.IsHighSurrogate(unit) && raw.Length >= 6 && raw[0] == (byte)'\\' && raw[1] == (byte)'u' && char.IsLowSurrogate(ParseHex4(raw[2..])))
                    {
                        WriteRune(new Rune(unit, ParseHex4(raw[2..])));
                        raw = raw[6..];
                    }
                    else if (char.IsSurrogate(unit))
                    {
                        throw new FormatException("A JSON string escapes a lone surrogate.");
                    }
                    else if (unit < 0x20 || unit == '"' || unit == '\\')
                    {
                        WriteEscape(unit);
                    }
                    else
                    {
                        WriteRune(new Rune(unit));
                    }

                    break;
                case (byte)'/':
                    // Escaping '/' is optional in JSON; canonical form writes it literally.
                    WriteRaw("/"u8);
                    break;
                default:
                    WriteEscape(kind switch
                    {
                        (byte)'b' => '\b',
                        (byte)'f' => '\f',
                        (byte)'n' => '\n',
                        (byte)'r' => '\r',
                        (byte)'t' => '\t',
                        _ => (char)kind, // '"' or '\\'
                    });
                    break;
            }

            escape = raw.IndexOf((byte)'\\');
        }

        WriteRaw(raw);
        WriteRaw("\""u8);
        WriteRaw(suffix);
    }

    private static char ParseHex4(ReadOnlySpan<byte> hex)
    {
        var value = 0;
        for (var i = 0; i < 4; i++)
        {
            var digit = HexValue(hex[i]);
            if (digit < 0)
            {
                throw new FormatException("A JSON string has a malformed \\u escape.");
            }

            value = (value << 4) | digit;
        }

        return (char)value;
    }

    private static int HexValue(byte b) => b switch
    {
        >= (byte)'0' and <= (byte)'9' => b - '0',
        >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
        _ => -1,
    };

    private void WriteRune(Rune rune)
    {
        var span = _output.GetSpan(4);
        _output.Advance(rune.EncodeToUtf8(span));
    }

    private void WriteUtf8(ReadOnlySpan<char> chars)
    {
        if (chars.IsEmpty)
        {
            return;
        }

        var span = _output.GetSpan(StrictUtf8.GetMaxByteCount(chars.Length));
        _output.Advance(StrictUtf8.GetBytes(chars, span));
    }

    private void WriteEscape(char c)
    {
        switch (c)
        {
            case '"':
                WriteRaw("\\\""u8);
                break;
            case '\\':
                WriteRaw("\\\\"u8);
                break;
            case '\b':
                WriteRaw("\\b"u8);
                break;
            case '\f':
                WriteRaw("\\f"u8);
                break;
            case '\n':
                WriteRaw("\\n"u8);
                break;
            case '\r':
                WriteRaw("\\r"u8);
                break;
            case '\t':
                WriteRaw("\\t"u8);
                break;
            default:
                Span<byte> escape = [(byte)'\\', (byte)'u', (byte)'0', (byte)'0', HexDigits[c >> 4], HexDigits[c & 0xF]];
                WriteRaw(escape);
                break;
        }
    }
}
