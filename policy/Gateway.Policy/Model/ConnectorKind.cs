using System.Text.Json.Serialization;

namespace Gateway.Policy;

/// <summary>What kind of connector a catalog entry is.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ConnectorKind>))]
public enum ConnectorKind
{
    [JsonStringEnumMemberName("openai")]
    OpenAI,

    [JsonStringEnumMemberName("anthropic")]
    Anthropic,

    [JsonStringEnumMemberName("http")]
    Http,

    [JsonStringEnumMemberName("webhook")]
    Webhook,

    [JsonStringEnumMemberName("mcp")]
    Mcp,

    [JsonStringEnumMemberName("mcp_tool")]
    McpTool,

    [JsonStringEnumMemberName("context")]
    Context,
}
