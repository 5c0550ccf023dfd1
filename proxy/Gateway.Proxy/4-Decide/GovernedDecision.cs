using Gateway.Policy;

namespace Gateway.Proxy.Decide;

/// <summary>
/// The Decide stage's record: a decision as the proxy enforces it, the policy's <see cref="Decision"/> plus what the
/// gateway added (token, the ids of the approval request or incident it asks for) and the side effects it asks for as
/// data (<see cref="Effects"/>), carried out once it is recorded.
/// </summary>
internal sealed record GovernedDecision
{
    public required Decision Decision { get; init; }

    /// <summary>The catalog entry the request resolved to; null when the tool is unknown.</summary>
    public CatalogEntry? Entry { get; init; }

    /// <summary>The serialised explanation (agent-protocol JSON), written into responses and the audit record.</summary>
    public required ReadOnlyMemory<byte> ExplanationJson { get; init; }

    /// <summary>Allow family only.</summary>
    public string? DecisionToken { get; init; }

    /// <summary>require_approval only: the approval request the decision opens (<see cref="DecisionEffects.OpenApproval"/>).</summary>
    public ApprovalReference? Approval { get; init; }

    /// <summary>
    /// require_approval only: <see cref="Approval"/> names an approval opened before (still pending for the same intent, or
    /// the one whose spent warrant was presented again), and none was opened.
    /// </summary>
    public bool ApprovalReused { get; init; }

    /// <summary>block_and_open_incident only: the incident the decision opens (<see cref="DecisionEffects.OpenIncident"/>).</summary>
    public string? IncidentId { get; init; }

    /// <summary>What the decision asks to be written, carried out after it is recorded; <see cref="DecisionEffects.None"/> for most.</summary>
    public DecisionEffects Effects { get; init; } = DecisionEffects.None;

    /// <summary>A warrant was presented and refused (with this reason).</summary>
    public string? WarrantRejection { get; init; }

    /// <summary>The evaluation's token presented on the action and used up by it (the action's record refers to the evaluation's).</summary>
    public Gateway.Policy.Tokens.DecisionTokenPayload? Evaluation { get; init; }

    /// <summary>True when the action is not the one <see cref="Evaluation"/> evaluated: the decision is then a block.</summary>
    public bool EvaluationMismatch { get; init; }

    public DecisionKind Kind => Decision.Kind;

    /// <summary>
    /// The block this decision would have been had the agent (or its tenant) been known to be suspended by an operator
    /// (<see cref="OperatorSuspension"/>): its wire name and serialised explanation.
    /// </summary>
    public (string Decision, ReadOnlyMemory<byte> ExplanationJson) AsSuspended()
    {
        var block = OperatorSuspension.Block(Decision);
        return (WireNames.Of(block.Kind), new ExplanationJsonCache().Serialize(block.Explanation));
    }

    /// <summary>The degrade form in force when the decision degrades (read-only when the rule names none); null otherwise.</summary>
    public DegradeSpec? Degrade => Kind == DecisionKind.Degrade ? Decision.Degrade ?? DegradeSpec.DefaultReadOnly : null;

    /// <summary>The failing controls, in order, for metrics and the audit record (derived once per decision).</summary>
    public IReadOnlyList<string> FailingControls
    {
        get
        {
            // A copy made with another Decision must not reuse this one's result.
            if (_failingControls is null || !ReferenceEquals(_failingControlsOf, Decision))
            {
                _failingControls = Failing(Decision.Explanation.DecisionPath);
                _failingControlsOf = Decision;
            }

            return _failingControls;
        }
    }

    private IReadOnlyList<string>? _failingControls;

    private Decision? _failingControlsOf;

    // The wire names of the failing controls, in order: counted first, so that a decision with none (most) makes nothing.
    private static string[] Failing(IReadOnlyList<ControlResult> path)
    {
        var count = 0;
        for (var i = 0; i < path.Count; i++)
        {
            if (path[i].Outcome == ControlOutcome.Fail)
            {
                count++;
            }
        }

        if (count == 0)
        {
            return [];
        }

        var names = new string[count];
        for (int i = 0, at = 0; i < path.Count; i++)
        {
            if (path[i].Outcome == ControlOutcome.Fail)
            {
                names[at++] = WireNames.Of(path[i].Control);
            }
        }

        return names;
    }
}
