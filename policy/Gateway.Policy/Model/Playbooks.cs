using System.Text.Json.Serialization;

namespace Gateway.Policy;

/// <summary>The incident playbooks an agent holds (control 9 wants all three for high/critical-risk agents).</summary>
[Flags]
public enum Playbooks
{
    None = 0,

    [JsonStringEnumMemberName("prompt_injection")]
    PromptInjection = 1,

    [JsonStringEnumMemberName("unauthorised_external_action")]
    UnauthorisedExternalAction = 2,

    [JsonStringEnumMemberName("rogue_agent")]
    RogueAgent = 4,

    All = PromptInjection | UnauthorisedExternalAction | RogueAgent,
}
