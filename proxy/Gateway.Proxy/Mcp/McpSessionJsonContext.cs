using System.Text.Json.Serialization;

namespace Gateway.Proxy.Mcp;

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(SessionRecord))]
[JsonSerializable(typeof(ServerRequestRecord))]
[JsonSerializable(typeof(string))]
internal sealed partial class McpSessionJsonContext : JsonSerializerContext;
