namespace Gateway.Policy.Authoring;

/// <summary>Evaluates fixtures offline with the gateway's <see cref="DecisionEngine"/> and checks their expectations.</summary>
public static class FixtureEvaluator
{
    /// <summary>The decision for <paramref name="fixture"/> under <paramref name="set"/>, or null with an error (unknown or ambiguous tenant).</summary>
    public static Decision? Evaluate(PolicySet set, PolicyFixture fixture, out string? error)
    {
        ArgumentNullException.ThrowIfNull(set);
        ArgumentNullException.ThrowIfNull(fixture);
        TenantPolicy? tenant;
        if (fixture.Tenant is { } slug)
        {
            if (!set.TryGetTenant(slug, out tenant))
            {
                error = $"tenant '{slug}' is not in the bundle";
                return null;
            }
        }
        else if (set.Tenants.Count == 1)
        {
            tenant = set.Tenants.Values.First();
        }
        else
        {
            error = $"the bundle has {set.Tenants.Count} tenants; name one with 'tenant'";
            return null;
        }

        error = null;
        var caller = new AuthenticatedCaller(tenant!.Slug, fixture.Workspace ?? tenant.Workspaces.FirstOrDefault() ?? string.Empty, fixture.Agent);
        var decision = DecisionEngine.Instance.Evaluate(tenant, caller, fixture.Request);
        return fixture.Warrant ? decision.WithWarrant(decision.IntentDigest) : decision;
    }

    /// <summary>Runs one fixture: its decision and every expectation that does not hold.</summary>
    public static FixtureResult Run(PolicySet set, PolicyFixture fixture)
    {
        var decision = Evaluate(set, fixture, out var error);
        if (decision is null)
        {
            return new FixtureResult(fixture, null, [error!]);
        }

        var failures = new List<string>();
        var expect = fixture.Expect;
        if (expect is null)
        {
            failures.Add("the fixture has no 'expect'");
            return new FixtureResult(fixture, decision, failures);
        }

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

        return new FixtureResult(fixture, decision, failures);
    }

    /// <summary>The ids of the controls that failed.</summary>
    public static IReadOnlyList<string> FailingControls(Decision decision)
    {
        ArgumentNullException.ThrowIfNull(decision);
        return [.. decision.Explanation.DecisionPath.Where(r => r.Outcome == ControlOutcome.Fail).Select(r => WireNames.Of(r.Control))];
    }
}

/// <summary>One fixture's outcome: <see cref="Failures"/> is empty when every expectation held.</summary>
public sealed record FixtureResult(PolicyFixture Fixture, Decision? Decision, IReadOnlyList<string> Failures)
{
    public bool Passed => Failures.Count == 0;
}
