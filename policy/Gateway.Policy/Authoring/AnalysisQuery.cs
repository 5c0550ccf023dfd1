namespace Gateway.Policy.Authoring;

/// <summary>
/// One question to <see cref="RegisterAnalyzer"/>: which (agent, tool) cells, restricted by the filters, can reach one of
/// <see cref="Decisions"/>. Every filter left null matches everything.
/// </summary>
public sealed record AnalysisQuery
{
    public string Name { get; init; } = "query";

    /// <summary>Agent id globs.</summary>
    public IReadOnlyList<string>? Agents { get; init; }

    /// <summary>Only agents at or below this ATF level (an agent without a level counts as below every level).</summary>
    public AtfLevel? MaxLevel { get; init; }

    /// <summary>Tool name globs.</summary>
    public IReadOnlyList<string>? Tools { get; init; }

    public IReadOnlyList<ActionType>? ActionTypes { get; init; }

    /// <summary>Only requests whose (widened) data classes include this class.</summary>
    public DataClass? DataClass { get; init; }

    /// <summary>Only requests that declare a target of this kind.</summary>
    public TargetKind? TargetKind { get; init; }

    /// <summary>The decisions asked about (null: every decision).</summary>
    public IReadOnlyList<DecisionKind>? Decisions { get; init; }

    /// <summary>What CI expects: <see cref="QueryExpectation.None"/> (a proof of absence) or <see cref="QueryExpectation.Some"/>.</summary>
    public QueryExpectation Expect { get; init; } = QueryExpectation.Report;
}

/// <summary>What a query's answer must be for the check to pass.</summary>
public enum QueryExpectation
{
    /// <summary>Only report.</summary>
    Report,

    /// <summary>No cell may reach the decisions (a proof of absence is required).</summary>
    None,

    /// <summary>At least one cell must reach them.</summary>
    Some,
}
