using System.Text.Json;

namespace Gateway.Connectors.Models;

/// <summary>
/// Whether a streamed model response's event is its last: OpenAI chat's <c>[DONE]</c>, Anthropic's <c>message_stop</c>,
/// or an OpenAI response's <c>response.completed</c>, <c>response.incomplete</c> or <c>response.failed</c> (its top-level
/// <c>type</c>).
/// </summary>
internal static class ModelStreamEnd
{
    /// <summary>Whether <paramref name="data"/>, one SSE event's data, ends the stream.</summary>
    public static bool Is(ReadOnlySpan<byte> data)
    {
        var trimmed = data.Trim(" \t\r\n"u8);
        if (trimmed.SequenceEqual("[DONE]"u8))
        {
            return true;
        }

        // Content events are not parsed: only one naming a terminal type (or escaping a character) can be one.
        if (trimmed.IsEmpty || trimmed[0] != (byte)'{'
            || (trimmed.IndexOf("message_stop"u8) < 0 && trimmed.IndexOf("response."u8) < 0 && trimmed.IndexOf("\\u"u8) < 0))
        {
            return false;
        }

        try
        {
            var reader = new Utf8JsonReader(trimmed);
            using var document = JsonDocument.ParseValue(ref reader);
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("type", out var type)
                && type.ValueKind == JsonValueKind.String
                && (type.ValueEquals("message_stop") || type.ValueEquals("response.completed") || type.ValueEquals("response.incomplete") || type.ValueEquals("response.failed"));
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
