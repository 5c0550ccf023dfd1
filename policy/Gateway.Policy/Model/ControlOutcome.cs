using System.Text.Json.Serialization;

namespace Gateway.Policy;

/// <summary>What one control concluded.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ControlOutcome>))]
public enum ControlOutcome
{
    [JsonStringEnumMemberName("pass")]
    Pass,

    [JsonStringEnumMemberName("not_applicable")]
    NotApplicable,

    [JsonStringEnumMemberName("fail")]
    Fail,
}
