namespace Gateway.Policy;

/// <summary>
/// A custom rule. It runs after the controls and can only tighten the decision
/// (allow → degrade → require_approval → block).
/// </summary>
public sealed record CustomRule
{
    public required string Id { get; init; }

    /// <summary><see cref="CustomRuleKind.PromptInjectionEgress"/> adds the built-in condition: an argument whose
    /// provenance is <c>external</c> or <c>tool_output</c>, on an external action.</summary>
    public CustomRuleKind Kind { get; init; } = CustomRuleKind.Match;

    public RuleMatch Match { get; init; } = RuleMatch.Everything;

    public required RuleEffect Effect { get; init; }

    /// <summary>Stable snake_case reason code reported in <c>rule_triggers</c>.</summary>
    public required string Reason { get; init; }

    /// <summary>For require_approval: who approves (default: the agent's security owner).</summary>
    public IReadOnlyList<string>? Approvers { get; init; }
}
