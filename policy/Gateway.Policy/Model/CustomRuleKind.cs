using System.Text.Json.Serialization;

namespace Gateway.Policy;

/// <summary>Custom rule kinds: a plain match, or the built-in prompt-injection egress rule.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<CustomRuleKind>))]
public enum CustomRuleKind
{
    [JsonStringEnumMemberName("match")]
    Match,

    [JsonStringEnumMemberName("prompt_injection_egress")]
    PromptInjectionEgress,
}
