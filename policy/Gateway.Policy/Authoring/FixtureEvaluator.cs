using Gateway.Policy.Tools;

namespace Gateway.Policy.Authoring;

/// <summary>
/// Evaluates fixtures offline as the gateway answers them: arguments outside the named entry's <c>input_schema</c> are
/// refused <c>invalid_arguments</c> before any decision (<see cref="ToolInputRefusal"/>, the gateway's own check), anything
/// else is decided by the gateway's <see cref="DecisionEngine"/>; and checks the fixtures' expectations.
/// </summary>
public static class FixtureEvaluator
{
    /// <summary>
    /// The decision alone for <paramref name="fixture"/> under <paramref name="set"/>, without the input-schema refusal that
    /// comes first at the gateway (for journal traffic, whose arguments are never recorded); null with an error (unknown or
    /// ambiguous tenant). What the gateway answers: <see cref="Evaluate(PolicySet, PolicyFixture, out FixtureRefusal, out string)"/>.
    /// </summary>
    public static Decision? Evaluate(PolicySet set, PolicyFixture fixture, out string? error)
    {
        ArgumentNullException.ThrowIfNull(set);
        ArgumentNullException.ThrowIfNull(fixture);
        return TenantOf(set, fixture, out error) is { } tenant ? Decide(tenant, fixture) : null;
    }

    /// <summary>
    /// What the gateway answers <paramref name="fixture"/>'s request under <paramref name="set"/>: its <paramref name="refusal"/>
    /// when the arguments do not fit the named entry's input schema (and the fixture checks it), else the decision; null
    /// with an error (unknown or ambiguous tenant), or with the refusal.
    /// </summary>
    public static Decision? Evaluate(PolicySet set, PolicyFixture fixture, out FixtureRefusal? refusal, out string? error)
    {
        ArgumentNullException.ThrowIfNull(set);
        ArgumentNullException.ThrowIfNull(fixture);
        refusal = null;
        if (TenantOf(set, fixture, out error) is not { } tenant)
        {
            return null;
        }

        if (fixture.CheckInputSchema && fixture.Request.Tool is { } tool && tenant.TryGetCatalogEntry(tool, out var entry) && entry is not null
            && ToolInputRefusal.Explain(entry, fixture.Request.Args) is { } detail)
        {
            refusal = new FixtureRefusal(ToolInputRefusal.Status, ToolInputRefusal.Code, detail);
            return null;
        }

        return Decide(tenant, fixture);
    }

    /// <summary>Runs one fixture: the gateway's answer (its refusal or decision) and every expectation that does not hold.</summary>
    public static FixtureResult Run(PolicySet set, PolicyFixture fixture)
    {
        var decision = Evaluate(set, fixture, out var refusal, out var error);
        if (decision is null && refusal is null)
        {
            return new FixtureResult(fixture, null, [error!]);
        }

        var failures = new List<string>();
        var expect = fixture.Expect;
        if (expect is null)
        {
            failures.Add("the fixture has no 'expect'");
        }
        else if (refusal is not null)
        {
            if (expect.Refusal != refusal.Code)
            {
                failures.Add($"{(expect.Refusal is { } code ? $"refusal: expected {code}, got" : "refused before any decision:")} {refusal.Code} ({refusal.Status}): {refusal.Detail}{(HoldsNoArguments(fixture) ? RegressInitHint : string.Empty)}");
            }
        }
        else if (expect.Refusal is { } code)
        {
            failures.Add($"refusal: expected {code}, got decision {WireNames.Of(DecisionComparison.PolicysDecision(decision!).Kind)}");
        }
        else
        {
            // A shadow tenant enforces allow/allow_and_log: the fixture checks what its policy decided.
            Check(expect, DecisionComparison.PolicysDecision(decision!), failures);
        }

        return new FixtureResult(fixture, decision, failures) { Refusal = refusal };
    }

    // regress init wrote `args: {}` without `check_input_schema: false` before the check applied to fixtures: say how to fix one.
    private const string RegressInitHint =
        " (a fixture written by `gatewayctl regress init` holds no arguments: add the arguments the decision depends on, or `check_input_schema: false`)";

    private static bool HoldsNoArguments(PolicyFixture fixture) =>
        fixture.Request.Args.ValueKind is System.Text.Json.JsonValueKind.Undefined or System.Text.Json.JsonValueKind.Null
        || (fixture.Request.Args.ValueKind == System.Text.Json.JsonValueKind.Object && !fixture.Request.Args.EnumerateObject().Any());

    /// <summary>The ids of the controls that failed.</summary>
    public static IReadOnlyList<string> FailingControls(Decision decision)
    {
        ArgumentNullException.ThrowIfNull(decision);
        return [.. decision.Explanation.DecisionPath.Where(r => r.Outcome == ControlOutcome.Fail).Select(r => WireNames.Of(r.Control))];
    }

    private static TenantPolicy? TenantOf(PolicySet set, PolicyFixture fixture, out string? error)
    {
        error = null;
        if (fixture.Tenant is { } slug)
        {
            if (set.TryGetTenant(slug, out var tenant))
            {
                return tenant;
            }

            error = $"tenant '{slug}' is not in the bundle";
            return null;
        }

        if (set.Tenants.Count == 1)
        {
            return set.Tenants.Values.First();
        }

        error = $"the bundle has {set.Tenants.Count} tenants; name one with 'tenant'";
        return null;
    }

    private static Decision Decide(TenantPolicy tenant, PolicyFixture fixture)
    {
        var caller = new AuthenticatedCaller(tenant.Slug, fixture.Workspace ?? tenant.Workspaces.FirstOrDefault() ?? string.Empty, fixture.Agent) { Person = fixture.Person };
        var decision = DecisionEngine.Instance.Evaluate(tenant, caller, fixture.Request);
        if (fixture.IntentRepeats is { } repeats && decision.Descriptor is { } descriptor)
        {
            // In a run that counted the intent `repeats` times: the agent's run_limits.loop applies as at the gateway.
            decision = DecisionEngine.Instance.Decide(tenant, descriptor, fixture.Request, new RunActivity("fixture", repeats));
        }
        return fixture.Warrant ? decision.WithWarrant(decision.IntentDigest) : decision;
    }

    private static void Check(FixtureExpectation expect, Decision decision, List<string> failures)
    {
        if (expect.Decision is { } kind && kind != decision.Kind)
        {
            failures.Add($"decision: expected {WireNames.Of(kind)}, got {WireNames.Of(decision.Kind)}");
        }

        var failing = FailingControls(decision);
        if (expect.FailingControls is { } controls && !controls.Order(StringComparer.Ordinal).SequenceEqual(failing.Order(StringComparer.Ordinal)))
        {
            failures.Add($"failing_controls: expected [{string.Join(", ", controls)}], got [{string.Join(", ", failing)}]");
        }

        var reasons = decision.Explanation.RuleTriggers.Select(t => t.ReasonCode).ToList();
        foreach (var reason in expect.ReasonCodes ?? [])
        {
            if (!reasons.Contains(reason))
            {
                failures.Add($"reason_codes: '{reason}' not among [{string.Join(", ", reasons)}]");
            }
        }

        if (expect.Approvers is { } approvers && !DecisionComparison.SameApprovers(approvers, decision.Approvers))
        {
            failures.Add($"approvers: expected {DecisionComparison.List(approvers)}, got {DecisionComparison.List(decision.Approvers)}");
        }

        if (expect.DegradeMode is { } mode && decision.Degrade?.Mode != mode)
        {
            failures.Add($"degrade_mode: expected {WireNames.Of(mode)}, got {DecisionComparison.Degrade(decision.Degrade?.Mode)}");
        }
    }
}

/// <summary>The gateway's refusal of a fixture's request before any decision: the HTTP status, the stable code and why.</summary>
public sealed record FixtureRefusal(int Status, string Code, string Detail)
{
    /// <summary>The codes a fixture's <c>expect.refusal</c> may name: the refusals an offline evaluation gives.</summary>
    public static IReadOnlyList<string> Codes { get; } = [ToolInputRefusal.Code];
}

/// <summary>One fixture's outcome: <see cref="Failures"/> is empty when every expectation held.</summary>
public sealed record FixtureResult(PolicyFixture Fixture, Decision? Decision, IReadOnlyList<string> Failures)
{
    public bool Passed => Failures.Count == 0;

    /// <summary>The gateway's refusal before any decision (then <see cref="Decision"/> is null); null when it decided.</summary>
    public FixtureRefusal? Refusal { get; init; }
}
