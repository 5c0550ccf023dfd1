using System.Text.Json.Serialization;

namespace Gateway.Policy;

/// <summary>Impact of an action (decision-model §1).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ActionImpact>))]
public enum ActionImpact
{
    [JsonStringEnumMemberName("low")]
    Low,

    [JsonStringEnumMemberName("high")]
    High,
}
