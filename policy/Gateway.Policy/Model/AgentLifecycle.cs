using System.Text.Json.Serialization;

namespace Gateway.Policy;

/// <summary>An agent's lifecycle status in the register.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<AgentLifecycle>))]
public enum AgentLifecycle
{
    [JsonStringEnumMemberName("active")]
    Active,

    [JsonStringEnumMemberName("suspended")]
    Suspended,

    [JsonStringEnumMemberName("retired")]
    Retired,
}
