using System.Text.Json.Serialization;

namespace Gateway.Policy;

/// <summary>A register risk or an audit/assessment finding.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<RiskItemKind>))]
public enum RiskItemKind
{
    [JsonStringEnumMemberName("risk")]
    Risk,

    [JsonStringEnumMemberName("finding")]
    Finding,
}
