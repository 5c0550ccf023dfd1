using System.Text.Json;

namespace Gateway.Connectors.Redaction;

/// <summary>
/// The one walk over JSON tokens behind redaction (<see cref="JsonRedactor"/>, and <see cref="SseJsonData"/>
/// for server-sent events): it reads a document token by token and writes it compactly, objects, arrays,
/// numbers, booleans and nulls itself (numbers verbatim), and hands member names, string values and
/// numbers that are card numbers (13–19 digits, network prefix, Luhn-valid; with a fraction or exponent too) to an
/// <see cref="IJsonTokenHandler"/>, which writes them.
/// </summary>
internal static class JsonTokenWalk
{
    /// <summary>
    /// Copies <paramref name="utf8Json"/> to <paramref name="writer"/> (not flushed) through
    /// <paramref name="handler"/>; throws <see cref="JsonException"/> where it is not JSON.
    /// </summary>
    public static void Run<THandler>(ReadOnlySpan<byte> utf8Json, JsonReaderOptions options, Utf8JsonWriter writer, THandler handler)
        where THandler : IJsonTokenHandler
    {
        var reader = new Utf8JsonReader(utf8Json, options);
        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject:
                    handler.BeginValue();
                    handler.BeginContainer(isArray: false);
                    writer.WriteStartObject();
                    break;
                case JsonTokenType.StartArray:
                    handler.BeginValue();
                    handler.BeginContainer(isArray: true);
                    writer.WriteStartArray();
                    break;
                case JsonTokenType.EndObject:
                    handler.EndContainer();
                    writer.WriteEndObject();
                    break;
                case JsonTokenType.EndArray:
                    handler.EndContainer();
                    writer.WriteEndArray();
                    break;
                case JsonTokenType.PropertyName:
                    handler.WritePropertyName(ref reader, writer);
                    break;
                case JsonTokenType.String:
                    handler.BeginValue();
                    handler.WriteString(ref reader, writer);
                    break;
                case JsonTokenType.Number when IsCardNumber(reader.ValueSpan):
                    handler.BeginValue();
                    handler.WriteCardNumber(writer);
                    break;
                case JsonTokenType.Number:
                    handler.BeginValue();
                    writer.WriteRawValue(reader.ValueSpan, skipInputValidation: true);
                    break;
                case JsonTokenType.True:
                case JsonTokenType.False:
                    handler.BeginValue();
                    writer.WriteBooleanValue(reader.TokenType == JsonTokenType.True);
                    break;
                case JsonTokenType.Null:
                    handler.BeginValue();
                    writer.WriteNullValue();
                    break;
                default:
                    break;
            }
        }
    }

    /// <summary>
    /// True when a JSON number is a card number (13–19 digits, network prefix, Luhn-valid), however it is spelled: a JSON
    /// reader takes <c>4111111111111111.0</c>, <c>4.111111111111111E15</c> and <c>4111111111111111e0</c> for the card
    /// number itself, exactly (a 16-digit one is below 2^53, even a double's exact range), and <c>-4111111111111111</c> for
    /// it with a sign. The value is read in decimal, digit by digit, never as a double.
    /// </summary>
    private static bool IsCardNumber(ReadOnlySpan<byte> number)
    {
        // Shorter than 13 characters, only an exponent can make 13 digits of it.
        var exponentAt = number.IndexOfAny((byte)'e', (byte)'E');
        if (exponentAt < 0 && number.Length < 13)
        {
            return false;
        }

        var signed = number[0] == (byte)'-' ? 1 : 0;
        number = number[signed..];
        exponentAt -= exponentAt < 0 ? 0 : signed;
        var mantissa = exponentAt < 0 ? number : number[..exponentAt];
        var point = mantissa.IndexOf((byte)'.');
        var fractionLength = point < 0 ? 0 : mantissa.Length - point - 1;
        var exponent = exponentAt < 0 ? 0 : Exponent(number[(exponentAt + 1)..]);

        // The significant digits (no leading or trailing zero), the value being them times 10^scale.
        Span<char> digits = stackalloc char[19];
        var count = 0;
        var trailingZeros = 0;
        foreach (var b in mantissa)
        {
            if (b == (byte)'.' || (count == 0 && b == (byte)'0'))
            {
                continue;
            }

            if (b == (byte)'0')
            {
                trailingZeros++;
                continue;
            }

            // A nonzero digit: the zeros before it are significant.
            if (count + trailingZeros + 1 > digits.Length)
            {
                return false;
            }

            digits.Slice(count, trailingZeros).Fill('0');
            count += trailingZeros;
            trailingZeros = 0;
            digits[count++] = (char)b;
        }

        // An integer exactly when the scale is not negative (the last significant digit is not zero).
        var scale = exponent - fractionLength + trailingZeros;
        if (count == 0 || scale < 0 || count + scale is < 13 or > 19 || digits[0] is < '2' or > '6')
        {
            return false;
        }

        digits.Slice(count, (int)scale).Fill('0');
        return SensitivePatterns.IsCardNumber(digits[..(count + (int)scale)]);
    }

    // A JSON number's exponent (sign and digits, which the reader has checked), held within ±10^9: past that no card fits.
    private static long Exponent(ReadOnlySpan<byte> text)
    {
        var negative = text[0] == (byte)'-';
        long value = 0;
        foreach (var b in text[(text[0] is (byte)'-' or (byte)'+' ? 1 : 0)..])
        {
            value = Math.Min(value * 10 + (b - '0'), 1_000_000_000);
        }

        return negative ? -value : value;
    }
}
