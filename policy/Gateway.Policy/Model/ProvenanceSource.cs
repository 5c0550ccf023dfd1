using System.Text.Json.Serialization;

namespace Gateway.Policy;

/// <summary>Where an argument's content came from.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ProvenanceSource>))]
public enum ProvenanceSource
{
    [JsonStringEnumMemberName("user")]
    User,

    [JsonStringEnumMemberName("system")]
    System,

    [JsonStringEnumMemberName("tool_output")]
    ToolOutput,

    [JsonStringEnumMemberName("external")]
    External,
}
