using System.Text.Json;

namespace Gateway.Connectors.Redaction;

/// <summary>
/// The one walk over JSON tokens behind redaction (<see cref="JsonRedactor"/>, and <see cref="SseJsonData"/>
/// for server-sent events): it reads a document token by token and writes it compactly, objects, arrays,
/// numbers, booleans and nulls itself (numbers verbatim), and hands member names, string values and
/// numbers that are card numbers (13–19 digits, network prefix, Luhn-valid) to an
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

    /// <summary>True when a JSON number is a card number (13–19 digits, network prefix, Luhn-valid).</summary>
    private static bool IsCardNumber(ReadOnlySpan<byte> number)
    {
        if (number.Length is < 13 or > 19 || number[0] is < (byte)'2' or > (byte)'6')
        {
            return false;
        }

        Span<char> digits = stackalloc char[number.Length];
        for (var i = 0; i < number.Length; i++)
        {
            if (!char.IsAsciiDigit((char)number[i]))
            {
                return false;
            }

            digits[i] = (char)number[i];
        }

        return SensitivePatterns.IsCardNumber(digits);
    }
}
