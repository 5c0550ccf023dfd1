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

    /// <summary>For require_approval: distinct approvals needed (1 or more, at most the distinct approvers).</summary>
    public int ApprovalsRequired { get; init; } = 1;

    /// <summary>For degrade: the reduced form this rule chooses (default: the catalog entry's).</summary>
    public DegradeMode? DegradeMode { get; init; }

    /// <summary>
    /// Request fields this rule needs. Within the rule's scope (its agents, tools, action types, data classes and
    /// external conditions) a request that omits one is blocked (fail closed, reason <c>missing_&lt;field&gt;</c>), so a
    /// rule cannot be dodged by leaving out provenance or targets.
    /// </summary>
    public RequiredFields Requires { get; init; }
}
