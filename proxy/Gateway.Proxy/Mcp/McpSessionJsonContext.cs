using System.Text.Json.Serialization;

namespace Gateway.Proxy.Mcp;

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(SessionRecord))]
internal sealed partial class McpSessionJsonContext : JsonSerializerContext;
