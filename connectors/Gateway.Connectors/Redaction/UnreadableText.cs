namespace Gateway.Connectors.Redaction;

/// <summary>
/// The rule that bytes read as text (UTF-8, or a charset that spells ASCII as UTF-8 does) are not text any pattern can be
/// matched in: a NUL byte anywhere, or a UTF-16/UTF-32 byte-order mark at the body's start (UTF-32LE's starts as UTF-16LE's,
/// UTF-32BE's with NULs); nor are bytes that are not valid UTF-8 (<see cref="RefuseInvalidUtf8"/>). Such a body is refused
/// with <see cref="InvalidDataException"/> (fail closed), never passed on.
/// </summary>
public static class UnreadableText
{
    /// <summary>The message of the refusal.</summary>
    public const string Message = "A body read as text holds a NUL byte or starts with a UTF-16/UTF-32 byte-order mark; it cannot be inspected for redaction and is refused.";

    /// <summary>
    /// Throws <see cref="InvalidDataException"/> when <paramref name="bytes"/> holds a NUL byte or <paramref name="start"/> (the
    /// body's first two bytes, fewer while fewer have come) is a UTF-16 byte-order mark. A whole body is its own start.
    /// </summary>
    public static void Refuse(ReadOnlySpan<byte> bytes, ReadOnlySpan<byte> start)
    {
        if (bytes.Contains((byte)0) || start.StartsWith(Utf16LittleEndianMark) || start.StartsWith(Utf16BigEndianMark))
        {
            throw new InvalidDataException(Message);
        }
    }

    /// <summary>The message of the refusal of bytes that are not UTF-8.</summary>
    public const string InvalidUtf8Message = "A body read as UTF-8 text is not valid UTF-8 (a byte of another charset would reach its reader as a character the redactor saw as none); it cannot be inspected for redaction and is refused.";

    /// <summary>
    /// Throws <see cref="InvalidDataException"/> when <paramref name="text"/> (whole characters: a whole body, or a line) is
    /// not valid UTF-8. Decoded, an invalid byte would be U+FFFD, which no pattern reads as a separator, where the agent's
    /// reader may see a no-break space (0xA0) or a dash (0x96) splitting a card number.
    /// </summary>
    public static void RefuseInvalidUtf8(ReadOnlySpan<byte> text)
    {
        if (!System.Text.Unicode.Utf8.IsValid(text))
        {
            throw new InvalidDataException(InvalidUtf8Message);
        }
    }

    private static ReadOnlySpan<byte> Utf16LittleEndianMark => [0xFF, 0xFE];

    private static ReadOnlySpan<byte> Utf16BigEndianMark => [0xFE, 0xFF];
}
