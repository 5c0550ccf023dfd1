using System.Text.Json.Serialization;

namespace Gateway.Policy;

/// <summary>Whether a risk or finding is still open.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<RiskItemStatus>))]
public enum RiskItemStatus
{
    [JsonStringEnumMemberName("open")]
    Open,

    [JsonStringEnumMemberName("closed")]
    Closed,
}
