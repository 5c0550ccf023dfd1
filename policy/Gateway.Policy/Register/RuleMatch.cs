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

    /// <summary>When set, the action's external flag (or action type external) must equal it.</summary>
    public bool? External { get; init; }
}
