namespace Gateway.Policy.Authoring;

/// <summary>
/// One fixture of <c>gatewayctl policy test</c>: who asks, the request, and what the policy must decide. Also a
/// simulation case (then <see cref="Expect"/> may be null, and <see cref="Recorded"/> is the journal's decision).
/// </summary>
public sealed record PolicyFixture
{
    public required string Name { get; init; }

    /// <summary>The file (and, for a list, the index) it came from.</summary>
    public required string Source { get; init; }

    /// <summary>The tenant; null when the bundle has exactly one.</summary>
    public string? Tenant { get; init; }

    /// <summary>The workspace; null = the tenant's first.</summary>
    public string? Workspace { get; init; }

    public required string Agent { get; init; }

    public required ActionRequest Request { get; init; }

    /// <summary>The person the agent acts for (replayed traffic: the recorded subject and issuer, never groups); null: none.</summary>
    public ActingPerson? Person { get; init; }

    /// <summary>Apply a warrant for the request's own intent digest after deciding.</summary>
    public bool Warrant { get; init; }

    /// <summary>
    /// Refuse arguments outside the entry's <c>input_schema</c> as the gateway does (<c>invalid_arguments</c>); false for
    /// a request whose arguments were never recorded (<c>regress init</c>'s fixtures), which the gateway decided after it.
    /// </summary>
    public bool CheckInputSchema { get; init; } = true;

    /// <summary>
    /// <c>run: { intent_repeats: N }</c>: the request acts in a run that counted its intent N times (with it), so the agent's
    /// <c>run_limits.loop</c> applies as at the gateway; null: no run.
    /// </summary>
    public long? IntentRepeats { get; init; }

    public FixtureExpectation? Expect { get; init; }

    /// <summary>For traffic exported from the audit journal: the decision the gateway recorded.</summary>
    public DecisionKind? Recorded { get; init; }
}

/// <summary>What a fixture expects. Every member left null is not checked.</summary>
public sealed record FixtureExpectation
{
    public DecisionKind? Decision { get; init; }

    /// <summary>The code of the refusal the gateway gives before any decision (<see cref="FixtureRefusal.Codes"/>).</summary>
    public string? Refusal { get; init; }

    /// <summary>The exact set of failing control ids.</summary>
    public IReadOnlyList<string>? FailingControls { get; init; }

    /// <summary>Reason codes that must all be among the rule triggers.</summary>
    public IReadOnlyList<string>? ReasonCodes { get; init; }

    /// <summary>The exact approver list.</summary>
    public IReadOnlyList<string>? Approvers { get; init; }

    public DegradeMode? DegradeMode { get; init; }
}
