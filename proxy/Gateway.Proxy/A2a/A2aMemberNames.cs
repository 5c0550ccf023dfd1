using System.Text.Json;
using Gateway.Connectors.Mcp;

namespace Gateway.Proxy.A2a;

/// <summary>
/// A member's name as a lenient A2A reader matches it (<see cref="Fold"/>), and the rule that a message's members the
/// gateway reads (<c>params.message</c>, its <c>parts</c>, each part's <c>text</c> and <c>data</c>) are spelled exactly:
/// a <c>Message</c> or <c>meſſage</c> beside (or instead of) <c>message</c> would be the message a lenient remote acts on
/// while the gateway decided and checked another, so it is refused, never forwarded.
/// </summary>
internal static class A2aMemberNames
{
    /// <summary><paramref name="name"/> as a lenient reader matches it (<see cref="McpMemberNames.Fold"/>: one folding for both routes).</summary>
    public static string Fold(string name) => McpMemberNames.Fold(name);

    /// <summary>Why the message of <paramref name="parameters"/> is refused: a member the gateway reads spelled so that only a lenient reader takes it; null when none is.</summary>
    public static string? MisspelledInMessage(JsonElement parameters)
    {
        var misspelled = McpMemberNames.FirstMisspelled(parameters, "params.", "message");
        if (misspelled is null && parameters.ValueKind == JsonValueKind.Object && parameters.TryGetProperty("message", out var message))
        {
            misspelled = McpMemberNames.FirstMisspelled(message, "params.message.", "parts");
            if (misspelled is null && message.ValueKind == JsonValueKind.Object && message.TryGetProperty("parts", out var parts) && parts.ValueKind == JsonValueKind.Array)
            {
                misspelled = parts.EnumerateArray().Select(static part => McpMemberNames.FirstMisspelled(part, "params.message.parts[].", "text", "data")).FirstOrDefault(static m => m is not null);
            }
        }

        return misspelled;
    }
}
