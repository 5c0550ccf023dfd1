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

    /// <summary>A remote agent spoken to over A2A JSON-RPC (docs/a2a.md); reached on <c>/a2a/{connector}</c>.</summary>
    [JsonStringEnumMemberName("a2a")]
    A2a,

    /// <summary>One skill of an <see cref="A2a"/> agent, so that permissions scope a remote agent's skills one by one.</summary>
    [JsonStringEnumMemberName("a2a_skill")]
    A2aSkill,
}
