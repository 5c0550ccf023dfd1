using System.Text.Json.Serialization;

namespace Gateway.Policy;

/// <summary>ATF maturity level: L1 Intern, L2 Junior, L3 Senior, L4 Principal.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<AtfLevel>))]
public enum AtfLevel
{
    [JsonStringEnumMemberName("L1")]
    L1,

    [JsonStringEnumMemberName("L2")]
    L2,

    [JsonStringEnumMemberName("L3")]
    L3,

    [JsonStringEnumMemberName("L4")]
    L4,
}
