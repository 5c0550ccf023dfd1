using System.Text.Json;
using System.Text.Json.Serialization;

namespace Gateway.Connectors;

[JsonSerializable(typeof(JsonElement))]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(System.Text.Json.Nodes.JsonObject))]
[JsonSerializable(typeof(Dictionary<string, JsonElement>))]
internal sealed partial class ConnectorsJsonContext : JsonSerializerContext;
