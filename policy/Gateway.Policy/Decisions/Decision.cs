namespace Gateway.Policy;

/// <summary>
/// The result of evaluating one request. <see cref="Kind"/> is what the gateway enforces; in shadow mode
/// (<see cref="Simulated"/>) it is <see cref="DecisionKind.Allow"/> or <see cref="DecisionKind.AllowAndLog"/>
/// while <see cref="WouldBe"/> keeps what the policy decided.
/// </summary>
public sealed record Decision
{
    /// <summary>The enforced decision.</summary>
    public required DecisionKind Kind { get; init; }

    /// <summary>The decision the policy reached (equal to <see cref="Kind"/> unless simulated or warranted).</summary>
    public required DecisionKind WouldBe { get; init; }

    /// <summary>Tenant shadow mode: nothing is enforced; <see cref="Kind"/> is allow/allow_and_log, <see cref="WouldBe"/> the policy's decision.</summary>
    public bool Simulated { get; init; }

    /// <summary>
    /// The request asked <c>"simulate": true</c>: the decision is reported as the policy reached it and nothing is
    /// executed (no forwarding, no token). A request can never loosen enforcement by asking to simulate.
    /// </summary>
    public bool EvaluateOnly { get; init; }

    /// <summary>Null only when no descriptor could be derived (then the decision is block, fail closed).</summary>
    public ActionDescriptor? Descriptor { get; init; }

    public required Explanation Explanation { get; init; }

    /// <summary>For require_approval: approver ids (the gate's, a rule's, or the agent's security owner).</summary>
    public IReadOnlyList<string> Approvers { get; init; } = [];

    public int ApprovalsRequired { get; init; }

    /// <summary>For require_approval through a gate: how long the warrant stays valid.</summary>
    public TimeSpan? WarrantTtl { get; init; }

    /// <summary>For degrade: the reduced form (the catalog's, or read_only when it declares none).</summary>
    public DegradeSpec? Degrade { get; init; }

    /// <summary>
    /// What a valid warrant turns a require_approval into: allow_and_log, or the stricter outcome a rule or the
    /// default verdict imposed (a warrant satisfies an approval obligation, never a degrade or block).
    /// </summary>
    public DecisionKind WarrantedKind { get; init; } = DecisionKind.AllowAndLog;

    /// <summary>The reduced form when <see cref="WarrantedKind"/> is degrade.</summary>
    public DegradeSpec? WarrantedDegrade { get; init; }

    /// <summary>A require_approval satisfied by a warrant.</summary>
    public bool WarrantApplied { get; init; }

    public string IntentDigest => Explanation.IntentDigest;

    public string PolicyDigest => Explanation.PolicyDigest;

    /// <summary>allow, allow_and_log or degrade.</summary>
    public bool IsAllowFamily => Kind is DecisionKind.Allow or DecisionKind.AllowAndLog or DecisionKind.Degrade;

    /// <summary>The host may forward the action and issue a decision token: allow family and not <see cref="EvaluateOnly"/>.</summary>
    public bool MayExecute => IsAllowFamily && !EvaluateOnly;

    /// <summary>The host opens (and notifies) an incident. Never in shadow mode or for an evaluate-only request.</summary>
    public bool OpensIncident => Kind == DecisionKind.BlockAndOpenIncident && !EvaluateOnly;

    /// <summary>
    /// Applies an approval warrant the caller has verified and consumed. Only a require_approval whose
    /// intent digest equals <paramref name="warrantIntentDigest"/> changes: to allow_and_log, or to
    /// <see cref="WarrantedKind"/> when a rule's degrade stands; every other decision (blocks included) is
    /// returned unchanged: a warrant never loosens anything else.
    /// </summary>
    public Decision WithWarrant(string warrantIntentDigest)
    {
        ArgumentNullException.ThrowIfNull(warrantIntentDigest);
        if (Kind != DecisionKind.RequireApproval || !string.Equals(warrantIntentDigest, IntentDigest, StringComparison.Ordinal))
        {
            return this;
        }

        if (WarrantedKind is not (DecisionKind.AllowAndLog or DecisionKind.Degrade))
        {
            return this;
        }

        var degrade = WarrantedKind == DecisionKind.Degrade ? WarrantedDegrade ?? DegradeSpec.DefaultReadOnly : null;
        return this with
        {
            Kind = WarrantedKind,
            WouldBe = WarrantedKind,
            WarrantApplied = true,
            Degrade = degrade,
            // The warrant was the remedy: an allow_and_log needs nothing more (as any allow), a degrade only what is left.
            Explanation = Explanation with
            {
                WarrantApplied = true,
                DegradeMode = degrade?.Mode,
                WhatWouldChange = WarrantedKind == DecisionKind.AllowAndLog ? [] : [.. Explanation.WhatWouldChange.Where(static r => !r.Contains("approval warrant", StringComparison.Ordinal))],
            },
        };
    }
}
