namespace Gateway.Policy.Authoring;

/// <summary>What <see cref="RegisterAnalyzer"/> found.</summary>
public sealed record AnalysisReport
{
    public required string Tenant { get; init; }

    /// <summary>(agent, tool) cells examined.</summary>
    public int Cells { get; init; }

    /// <summary>Concrete requests evaluated through the decision engine.</summary>
    public long Points { get; init; }

    /// <summary>Atom assignments no synthesised request realised (correlated conditions, or a regex the sampler could not satisfy).</summary>
    public int UnrealisedAssignments { get; init; }

    /// <summary>True when every assignment of every cell was realised: an empty answer is then a proof of absence.</summary>
    public bool Exhaustive => UnrealisedAssignments == 0 && !Truncated;

    /// <summary>A cell had more request atoms than the analyser enumerates.</summary>
    public bool Truncated { get; init; }

    public IReadOnlyList<QueryAnswer> Answers { get; init; } = [];

    /// <summary>Rules no request of any registered agent to any catalog tool makes trigger.</summary>
    public IReadOnlyList<string> NeverFiring { get; init; } = [];

    /// <summary>Rules that, wherever they trigger on an action the controls do not already block, another rule as strict triggers too.</summary>
    public IReadOnlyList<RuleShadow> Shadowed { get; init; } = [];

    /// <summary>With a baseline: every cell whose decisions differ.</summary>
    public IReadOnlyList<CellChange>? Changes { get; init; }
}

/// <summary>The answer to one query: the cells that reach the asked decisions, each with a concrete request.</summary>
public sealed record QueryAnswer(AnalysisQuery Query, IReadOnlyList<Witness> Witnesses, int TotalWitnesses)
{
    /// <summary>The expectation holds (always true for <see cref="QueryExpectation.Report"/>).</summary>
    public bool Passed => Query.Expect switch
    {
        QueryExpectation.None => TotalWitnesses == 0,
        QueryExpectation.Some => TotalWitnesses > 0,
        _ => true,
    };
}

/// <summary>A concrete request by <see cref="Agent"/> that the engine decides as <see cref="Decision"/>: a counterexample or an example.</summary>
public sealed record Witness(string Agent, string Tool, ActionRequest Request, Decision Decision);

/// <summary>Rule <see cref="Rule"/> never decides alone: <see cref="By"/> triggers, at least as strict, wherever it does.</summary>
public sealed record RuleShadow(string Rule, string By);

/// <summary>A cell whose plain-request decision or set of reachable decisions changed against the baseline.</summary>
public sealed record CellChange(
    string Agent,
    string Tool,
    DecisionKind BaselinePlain,
    DecisionKind CandidatePlain,
    IReadOnlyList<DecisionKind> BaselineReachable,
    IReadOnlyList<DecisionKind> CandidateReachable);
