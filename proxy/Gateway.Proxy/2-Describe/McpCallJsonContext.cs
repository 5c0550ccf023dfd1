using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Gateway.Proxy.Describe;

[JsonSerializable(typeof(JsonObject))]
internal sealed partial class McpCallJsonContext : JsonSerializerContext;
