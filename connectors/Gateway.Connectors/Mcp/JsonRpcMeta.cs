using System.Text.Json;

namespace Gateway.Connectors.Mcp;

/// <summary>Reads a JSON-RPC request's <c>params._meta</c>, where MCP carries what rides beside a request's own parameters.</summary>
public static class JsonRpcMeta
{
    /// <summary>The member <paramref name="key"/> of <paramref name="message"/>'s <c>params._meta</c>, when both are there.</summary>
    public static bool TryGet(JsonElement message, string key, out JsonElement value)
    {
        value = default;
        return message.ValueKind == JsonValueKind.Object && message.TryGetProperty("params"u8, out var parameters) && parameters.ValueKind == JsonValueKind.Object
            && parameters.TryGetProperty("_meta"u8, out var meta) && meta.ValueKind == JsonValueKind.Object
            && meta.TryGetProperty(key, out value);
    }
}
