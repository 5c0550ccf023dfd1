using System.Text.Json.Serialization;

namespace Gateway.Policy;

/// <summary>
/// Why a decision was made (decision-model §6). Serialises to the agent-protocol <c>explanation</c> object;
/// members after <see cref="WhatWouldChange"/> are extensions written only when they carry information.
/// </summary>
public sealed record Explanation
{
    [JsonPropertyName("policy_digest")]
    public required string PolicyDigest { get; init; }

    [JsonPropertyName("intent_digest")]
    public required string IntentDigest { get; init; }

    /// <summary>Controls in order; after a short-circuit block the controls not run are absent.</summary>
    [JsonPropertyName("decision_path")]
    public required IReadOnlyList<ControlResult> DecisionPath { get; init; }

    [JsonPropertyName("rule_triggers")]
    public required IReadOnlyList<RuleTrigger> RuleTriggers { get; init; }

    [JsonPropertyName("open_risks")]
    public required IReadOnlyList<OpenRisk> OpenRisks { get; init; }

    /// <summary>The smallest set of remedies (in control order, then rules) that would make the decision allow.</summary>
    [JsonPropertyName("what_would_change")]
    public required IReadOnlyList<string> WhatWouldChange { get; init; }

    /// <summary>For require_approval: who may approve.</summary>
    [JsonPropertyName("approvers")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? Approvers { get; init; }

    /// <summary>For require_approval: distinct approvals needed.</summary>
    [JsonPropertyName("approvals_required")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public int ApprovalsRequired { get; init; }

    /// <summary>For degrade: the reduced form.</summary>
    [JsonPropertyName("degrade_mode")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public DegradeMode? DegradeMode { get; init; }

    /// <summary>True when nothing was enforced (shadow mode).</summary>
    [JsonPropertyName("simulated")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool Simulated { get; init; }

    /// <summary>In shadow mode: the decision the policy reached (the response's <c>decision</c> is what was enforced).</summary>
    [JsonPropertyName("would_be")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public DecisionKind? WouldBe { get; init; }

    /// <summary>True when a require_approval was satisfied by a warrant for this intent digest.</summary>
    [JsonPropertyName("warrant_applied")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool WarrantApplied { get; init; }

    /// <summary>The person the agent acted for (subject, issuer, groups), when the request carried one.</summary>
    [JsonPropertyName("person")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ActingPerson? Person { get; init; }

    /// <summary>When the descriptor could not be derived: why (e.g. <c>unknown_tool</c>).</summary>
    [JsonPropertyName("error")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Error { get; init; }

    /// <summary>
    /// Who acted (<see cref="Policy.ActorChain"/>: person → agent → child → …), when that is more than the signing agent
    /// alone; null (absent) for a registered agent acting for no one.
    /// </summary>
    [JsonPropertyName("actor_chain")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<ActorLink>? ActorChain { get; init; }

    /// <summary>The run the request acted in (<c>X-Gamut-Run</c>, or a delegated child's grant); null (absent) for none.</summary>
    [JsonPropertyName("run_id")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? RunId { get; init; }

    /// <summary>
    /// True when <paramref name="other"/> serialises to the same JSON as this explanation: every member equal, the lists
    /// element by element (the record's own equality compares lists by reference). A cache of serialised explanations
    /// relies on it, so a member added above must be compared here (a test lists the members).
    /// </summary>
    public bool WritesSameJson(Explanation other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return ReferenceEquals(this, other)
            || (string.Equals(IntentDigest, other.IntentDigest, StringComparison.Ordinal)
                && string.Equals(PolicyDigest, other.PolicyDigest, StringComparison.Ordinal)
                && ApprovalsRequired == other.ApprovalsRequired
                && DegradeMode == other.DegradeMode
                && Simulated == other.Simulated
                && WouldBe == other.WouldBe
                && WarrantApplied == other.WarrantApplied
                && string.Equals(Error, other.Error, StringComparison.Ordinal)
                && string.Equals(RunId, other.RunId, StringComparison.Ordinal)
                && SameItems(DecisionPath, other.DecisionPath)
                && SameItems(RuleTriggers, other.RuleTriggers)
                && SameItems(OpenRisks, other.OpenRisks)
                && SameItems(WhatWouldChange, other.WhatWouldChange)
                && SameItems(Approvers, other.Approvers)
                && SameItems(ActorChain, other.ActorChain)
                && SamePerson(Person, other.Person));
    }

    // The lists' elements are records of scalars and strings (or strings): their own equality is by value.
    private static bool SameItems<T>(IReadOnlyList<T>? left, IReadOnlyList<T>? right)
    {
        if (ReferenceEquals(left, right))
        {
            return true;
        }

        if (left is null || right is null || left.Count != right.Count)
        {
            return false;
        }

        var comparer = EqualityComparer<T>.Default;
        for (var i = 0; i < left.Count; i++)
        {
            if (!comparer.Equals(left[i], right[i]))
            {
                return false;
            }
        }

        return true;
    }

    // ActingPerson holds a list (its groups), which its record equality would compare by reference.
    private static bool SamePerson(ActingPerson? left, ActingPerson? right) =>
        ReferenceEquals(left, right)
        || (left is not null && right is not null
            && string.Equals(left.Subject, right.Subject, StringComparison.Ordinal)
            && string.Equals(left.Issuer, right.Issuer, StringComparison.Ordinal)
            && string.Equals(left.RegisterId, right.RegisterId, StringComparison.Ordinal)
            && SameItems(left.Groups, right.Groups));
}
