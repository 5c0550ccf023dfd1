using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Gateway.Connectors.Redaction;

/// <summary>
/// Redacts a JSON document token by token and writes valid JSON: every string value and every member
/// name (an e-mail address used as a key is redacted like one used as a value), and numbers that are
/// card numbers (13–19 digits, network prefix, Luhn-valid), which become the replacement string. Other
/// numbers are copied verbatim; other tokens are re-written compactly.
/// </summary>
public static class JsonRedactor
{
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = false };
    private static readonly JsonReaderOptions ReaderOptions = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = false, MaxDepth = 128 };

    /// <summary>The redacted document; throws <see cref="JsonException"/> when <paramref name="utf8Json"/> is not JSON.</summary>
    public static byte[] Redact(ReadOnlySpan<byte> utf8Json, RedactionCounts counts)
    {
        var buffer = new ArrayBufferWriter<byte>(utf8Json.Length + 64);
        Redact(utf8Json, buffer, counts);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Writes the redacted document to <paramref name="output"/>.</summary>
    public static void Redact(ReadOnlySpan<byte> utf8Json, IBufferWriter<byte> output, RedactionCounts counts)
    {
        ArgumentNullException.ThrowIfNull(counts);
        var reader = new Utf8JsonReader(utf8Json, ReaderOptions);
        using var writer = new Utf8JsonWriter(output, WriterOptions);
        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject:
                    writer.WriteStartObject();
                    break;
                case JsonTokenType.EndObject:
                    writer.WriteEndObject();
                    break;
                case JsonTokenType.StartArray:
                    writer.WriteStartArray();
                    break;
                case JsonTokenType.EndArray:
                    writer.WriteEndArray();
                    break;
                case JsonTokenType.PropertyName:
                    writer.WritePropertyName(TextRedactor.Redact(reader.GetString()!, counts));
                    break;
                case JsonTokenType.String:
                    writer.WriteStringValue(TextRedactor.Redact(reader.GetString()!, counts));
                    break;
                case JsonTokenType.Number when IsCardNumber(reader.ValueSpan):
                    writer.WriteStringValue(RedactionKind.CardNumber.Replacement());
                    counts.Add(RedactionKind.CardNumber);
                    break;
                case JsonTokenType.Number:
                    writer.WriteRawValue(reader.ValueSpan, skipInputValidation: true);
                    break;
                case JsonTokenType.True:
                    writer.WriteBooleanValue(true);
                    break;
                case JsonTokenType.False:
                    writer.WriteBooleanValue(false);
                    break;
                case JsonTokenType.Null:
                    writer.WriteNullValue();
                    break;
                default:
                    break;
            }
        }

        writer.Flush();
    }

    /// <summary>True when a JSON number is a card number (13–19 digits, network prefix, Luhn-valid).</summary>
    internal static bool IsCardNumber(ReadOnlySpan<byte> number)
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

    /// <summary>Redacts a parsed element (for executors that already hold a <see cref="JsonElement"/>).</summary>
    public static JsonElement Redact(JsonElement element, RedactionCounts counts)
    {
        var bytes = Redact(JsonSerializer.SerializeToUtf8Bytes(element, ConnectorsJsonContext.Default.JsonElement), counts);
        using var document = JsonDocument.Parse(bytes);
        return document.RootElement.Clone();
    }
}
