using System.Text.Json;

namespace Gateway.Connectors.Models;

/// <summary>
/// Whether a streamed model response's event is its last: OpenAI chat's <c>[DONE]</c>, Anthropic's <c>message_stop</c>,
/// or an OpenAI response's <c>response.completed</c>, <c>response.incomplete</c> or <c>response.failed</c> (its top-level
/// <c>type</c>).
/// </summary>
internal static class ModelStreamEnd
{
    /// <summary>The data of OpenAI chat's last event.</summary>
    public static ReadOnlySpan<byte> Done => "[DONE]"u8;

    /// <summary>Whether an event's data, parsed, names a terminal <c>type</c>.</summary>
    public static bool IsTerminal(JsonElement root) =>
        root.ValueKind == JsonValueKind.Object
        && root.TryGetProperty("type", out var type)
        && type.ValueKind == JsonValueKind.String
        && (type.ValueEquals("message_stop") || type.ValueEquals("response.completed") || type.ValueEquals("response.incomplete") || type.ValueEquals("response.failed"));
}
