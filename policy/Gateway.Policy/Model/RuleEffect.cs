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

    /// <summary>The action is explicitly within policy: the tenant's <c>default_verdict</c> does not apply to it.
    /// It never loosens a control's or another rule's outcome.</summary>
    [JsonStringEnumMemberName("allow")]
    Allow,
}
