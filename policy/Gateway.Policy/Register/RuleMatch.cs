namespace Gateway.Policy;

/// <summary>
/// Conditions of a custom rule. Every non-null condition must hold (AND); within one list any
/// element may match (OR), except <see cref="Args"/>, where every condition must hold.
/// </summary>
public sealed record RuleMatch
{
    /// <summary>Matches every action.</summary>
    public static readonly RuleMatch Everything = new();

    public IReadOnlyList<string>? Agents { get; init; }

    public IReadOnlyList<string>? Tools { get; init; }

    public IReadOnlyList<ActionType>? ActionTypes { get; init; }

    public IReadOnlyList<TargetCondition>? Targets { get; init; }

    public DataClassSet? DataClasses { get; init; }

    public IReadOnlyList<ArgumentCondition>? Args { get; init; }

    public IReadOnlyList<ProvenanceCondition>? Provenance { get; init; }

    /// <summary>Globs over the subject (<c>sub</c>) of the person the agent acts for; holds only when there is one.</summary>
    public IReadOnlyList<string>? Person { get; init; }

    /// <summary>Groups of the person the agent acts for: holds when the person is in any of them (none without a person).</summary>
    public IReadOnlyList<string>? PersonGroups { get; init; }

    /// <summary>When set, the action's external flag (or action type external) must equal it.</summary>
    public bool? External { get; init; }

    /// <summary>An allowlist: holds when the request declares a target that no entry allows (an entry with a kind
    /// allows only targets of that kind). Combine with <see cref="CustomRule.Requires"/> targets to refuse requests
    /// that declare none.</summary>
    public IReadOnlyList<TargetCondition>? AllowedTargets { get; init; }

    /// <summary>Holds when this nested match does not.</summary>
    public RuleMatch? Not { get; init; }

    /// <summary>Holds when at least one nested match holds.</summary>
    public IReadOnlyList<RuleMatch>? Any { get; init; }

    /// <summary>Holds when every nested match holds.</summary>
    public IReadOnlyList<RuleMatch>? All { get; init; }
}
