using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Gateway.Connectors.Redaction;

/// <summary>
/// Redacts every string value of a JSON document (property names are kept) and writes valid JSON.
/// Numbers are copied verbatim; other tokens are re-written compactly.
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
                    writer.WritePropertyName(reader.GetString()!);
                    break;
                case JsonTokenType.String:
                    writer.WriteStringValue(TextRedactor.Redact(reader.GetString()!, counts));
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

    /// <summary>Redacts a parsed element (for executors that already hold a <see cref="JsonElement"/>).</summary>
    public static JsonElement Redact(JsonElement element, RedactionCounts counts)
    {
        var bytes = Redact(JsonSerializer.SerializeToUtf8Bytes(element, ConnectorsJsonContext.Default.JsonElement), counts);
        using var document = JsonDocument.Parse(bytes);
        return document.RootElement.Clone();
    }
}
