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

    /// <summary>Whether an event's data is <see cref="Done"/> (whitespace around it aside).</summary>
    public static bool IsDone(ReadOnlySpan<byte> data) => data.Trim(" \t\r\n"u8).SequenceEqual(Done);

    /// <summary>Whether the string token <paramref name="reader"/> is on (an event's top-level <c>type</c>) names a terminal type.</summary>
    public static bool IsTerminalType(ref Utf8JsonReader reader) =>
        reader.ValueTextEquals("message_stop"u8) || reader.ValueTextEquals("response.completed"u8)
        || reader.ValueTextEquals("response.incomplete"u8) || reader.ValueTextEquals("response.failed"u8);
}
