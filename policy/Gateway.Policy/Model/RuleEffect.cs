using System.Text.Json.Serialization;

namespace Gateway.Policy;

/// <summary>What a custom rule does when it matches; rules only tighten.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<RuleEffect>))]
public enum RuleEffect
{
    [JsonStringEnumMemberName("degrade")]
    Degrade,

    [JsonStringEnumMemberName("require_approval")]
    RequireApproval,

    [JsonStringEnumMemberName("block")]
    Block,
}
