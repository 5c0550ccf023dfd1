namespace Gateway.Policy.Authoring;

/// <summary>
/// Candidate against baseline over fixtures or exported traffic: every decision that would change, and why (the
/// candidate's triggers and failing controls that the baseline did not have, and those it no longer has).
/// Both sides are the policy's decision (in a shadow tenant its would_be, not the allow_and_log enforced). Without a
/// baseline bundle the baseline is the decision the journal recorded (a shadow record's <c>explanation.would_be</c>).
/// </summary>
public static class PolicySimulation
{
    public static SimulationReport Run(PolicySet candidate, PolicySet? baseline, IReadOnlyList<PolicyFixture> cases)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        ArgumentNullException.ThrowIfNull(cases);
        var changes = new List<SimulatedChange>();
        var errors = new List<string>();
        var unreplayable = new List<string>();
        var groupRules = new Dictionary<TenantPolicy, IReadOnlyList<string>>(ReferenceEqualityComparer.Instance);
        foreach (var item in cases)
        {
            var enforcedAfter = FixtureEvaluator.Evaluate(candidate, item, out var error);
            if (enforcedAfter is null)
            {
                errors.Add($"{item.Source}: candidate: {error}");
                continue;
            }

            Decision? enforcedBefore = null;
            if (baseline is not null)
            {
                enforcedBefore = FixtureEvaluator.Evaluate(baseline, item, out error);
                if (enforcedBefore is null)
                {
                    errors.Add($"{item.Source}: baseline: {error}");
                    continue;
                }
            }

            // What the policies decided (a shadow tenant's would_be, not the allow_and_log it enforces).
            var after = DecisionComparison.PolicysDecision(enforcedAfter);
            var before = enforcedBefore is null ? null : DecisionComparison.PolicysDecision(enforcedBefore);
            NotReplayable(item, candidate, baseline, groupRules, unreplayable);

            var beforeKind = before?.Kind ?? item.Recorded;
            if (beforeKind is not { } was)
            {
                errors.Add($"{item.Source}: no baseline decision (give --baseline or use traffic with recorded decisions)");
                continue;
            }

            // Against a baseline bundle every term of the decision counts (DecisionComparison, as policy test checks
            // them): a require_approval whose approvers shrink is a changed decision. The journal records only the kind.
            var terms = before is null ? new List<string>() : [.. DecisionComparison.Changes(before, after)];
            if (enforcedBefore is not null && was == after.Kind && enforcedBefore.Kind != enforcedAfter.Kind)
            {
                // The same decision, enforced differently (shadow mode switched on or off).
                terms.Add($"enforced: {WireNames.Of(enforcedBefore.Kind)} → {WireNames.Of(enforcedAfter.Kind)}");
            }

            if (was == after.Kind && terms.Count == 0)
            {
                continue;
            }

            var afterWhy = Reasons(after);
            var beforeWhy = before is null ? [] : Reasons(before);
            changes.Add(new SimulatedChange(
                item.Name,
                item.Agent,
                item.Request.Tool,
                was,
                after.Kind,
                [.. afterWhy.Except(beforeWhy)],
                [.. beforeWhy.Except(afterWhy)])
            {
                Terms = [.. terms.Where(static t => !t.StartsWith("decision:", StringComparison.Ordinal))],
                EnforcedBefore = enforcedBefore is null ? null : DecisionComparison.EnforcedIfDifferent(enforcedBefore),
                EnforcedAfter = DecisionComparison.EnforcedIfDifferent(enforcedAfter),
            });
        }

        return new SimulationReport(cases.Count, changes, errors) { NotReplayable = unreplayable };
    }

    // A case acting for a person that a person_groups rule could decide: the groups were not recorded (traffic), so the
    // replay cannot say whether the rule applies. Each tenant's rules are scanned once per run (groupRules).
    private static void NotReplayable(PolicyFixture item, PolicySet candidate, PolicySet? baseline, Dictionary<TenantPolicy, IReadOnlyList<string>> groupRules, List<string> unreplayable)
    {
        if (item.Person is null)
        {
            return;
        }

        var rules = RulesNamingGroups(candidate, item, groupRules).Concat(baseline is null ? [] : RulesNamingGroups(baseline, item, groupRules)).Distinct(StringComparer.Ordinal).ToList();
        if (rules.Count > 0)
        {
            unreplayable.Add($"{item.Name}: acts for {item.Person.Subject}, whose groups are not recorded; person_groups rules: {string.Join(", ", rules)}");
        }
    }

    private static IReadOnlyList<string> RulesNamingGroups(PolicySet set, PolicyFixture item, Dictionary<TenantPolicy, IReadOnlyList<string>> groupRules)
    {
        var tenant = item.Tenant is { } slug && set.TryGetTenant(slug, out var named) ? named
            : item.Tenant is null && set.Tenants.Count == 1 ? set.Tenants.Values.First() : null;
        if (tenant is null)
        {
            return [];
        }

        if (!groupRules.TryGetValue(tenant, out var rules))
        {
            rules = AuditRecordActors.PersonGroupRules(tenant);
            groupRules[tenant] = rules;
        }

        return rules;
    }

    private static List<string> Reasons(Decision decision)
        => [.. decision.Explanation.RuleTriggers.Select(t => $"{t.Rule}: {t.ReasonCode}").Distinct(StringComparer.Ordinal)];
}

/// <summary>The simulation's outcome over <see cref="Cases"/> cases.</summary>
public sealed record SimulationReport(int Cases, IReadOnlyList<SimulatedChange> Changes, IReadOnlyList<string> Errors)
{
    /// <summary>Replayed traffic a <c>person_groups</c> rule could decide otherwise (the person's groups are not recorded): each case and why.</summary>
    public IReadOnlyList<string> NotReplayable { get; init; } = [];
}

/// <summary>
/// One decision that would change: <see cref="Added"/> triggers now in play, <see cref="Removed"/> ones no longer, and
/// <see cref="Terms"/> the other terms that changed (approvers, approvals required, warrant lifetime, degrade mode).
/// </summary>
public sealed record SimulatedChange(string Case, string Agent, string Tool, DecisionKind Before, DecisionKind After, IReadOnlyList<string> Added, IReadOnlyList<string> Removed)
{
    public IReadOnlyList<string> Terms { get; init; } = [];

    /// <summary>What the baseline enforced when it differs from <see cref="Before"/> (a shadow tenant), else null.</summary>
    public DecisionKind? EnforcedBefore { get; init; }

    /// <summary>What the candidate enforces when it differs from <see cref="After"/> (a shadow tenant), else null.</summary>
    public DecisionKind? EnforcedAfter { get; init; }
}
