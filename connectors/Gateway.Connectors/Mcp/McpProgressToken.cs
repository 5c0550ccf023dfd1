using System.Text.Json;

namespace Gateway.Connectors.Mcp;

/// <summary>
/// The client's <c>params._meta.progressToken</c> of a <c>tools/call</c>, carried to the MCP server on the gateway's own
/// call, so that the server's <c>notifications/progress</c> name the token the client is waiting on.
/// </summary>
public static class McpProgressToken
{
    /// <summary>The token of <paramref name="call"/> (a JSON-RPC request), when it has one (a string or a number).</summary>
    public static JsonElement? Of(JsonElement call) =>
        JsonRpcMeta.TryGet(call, "progressToken", out var token) && token.ValueKind is JsonValueKind.String or JsonValueKind.Number
            ? token
            : null;

    /// <summary><paramref name="toolCall"/> (the gateway's <c>tools/call</c>) with <c>params._meta.progressToken</c> set to <paramref name="token"/>.</summary>
    public static byte[] Carry(ReadOnlySpan<byte> toolCall, JsonElement token)
    {
        using var document = JsonDocument.Parse(toolCall.ToArray());
        using var buffer = new MemoryStream(toolCall.Length + 64);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var member in document.RootElement.EnumerateObject())
            {
                if (!member.NameEquals("params"u8))
                {
                    member.WriteTo(writer);
                    continue;
                }

                writer.WriteStartObject("params"u8);
                foreach (var parameter in member.Value.EnumerateObject())
                {
                    parameter.WriteTo(writer);
                }

                writer.WriteStartObject("_meta"u8);
                writer.WritePropertyName("progressToken"u8);
                token.WriteTo(writer);
                writer.WriteEndObject();
                writer.WriteEndObject();
            }

            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }
}
