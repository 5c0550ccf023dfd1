using System.Text.Json.Serialization;

namespace Gateway.Policy;

/// <summary>Severity of a control result, finding or risk.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<Severity>))]
public enum Severity
{
    [JsonStringEnumMemberName("none")]
    None,

    [JsonStringEnumMemberName("info")]
    Info,

    [JsonStringEnumMemberName("low")]
    Low,

    [JsonStringEnumMemberName("medium")]
    Medium,

    [JsonStringEnumMemberName("high")]
    High,

    [JsonStringEnumMemberName("critical")]
    Critical,
}
