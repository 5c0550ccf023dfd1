namespace Gateway.Policy.Authoring;

/// <summary>
/// Candidate against baseline over fixtures or exported traffic: every decision that would change, and why (the
/// candidate's triggers and failing controls that the baseline did not have, and those it no longer has).
/// Without a baseline bundle the baseline is the decision the journal recorded.
/// </summary>
public static class PolicySimulation
{
    public static SimulationReport Run(PolicySet candidate, PolicySet? baseline, IReadOnlyList<PolicyFixture> cases)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        ArgumentNullException.ThrowIfNull(cases);
        var changes = new List<SimulatedChange>();
        var errors = new List<string>();
        foreach (var item in cases)
        {
            var after = FixtureEvaluator.Evaluate(candidate, item, out var error);
            if (after is null)
            {
                errors.Add($"{item.Source}: candidate: {error}");
                continue;
            }

            Decision? before = null;
            if (baseline is not null)
            {
                before = FixtureEvaluator.Evaluate(baseline, item, out error);
                if (before is null)
                {
                    errors.Add($"{item.Source}: baseline: {error}");
                    continue;
                }
            }

            var beforeKind = before?.Kind ?? item.Recorded;
            if (beforeKind is not { } was)
            {
                errors.Add($"{item.Source}: no baseline decision (give --baseline or use traffic with recorded decisions)");
                continue;
            }

            // Against a baseline bundle every term of the decision counts (DecisionComparison, as policy test checks
            // them): a require_approval whose approvers shrink is a changed decision. The journal records only the kind.
            IReadOnlyList<string> terms = before is null ? [] : DecisionComparison.Changes(before, after);
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
            });
        }

        return new SimulationReport(cases.Count, changes, errors);
    }

    private static List<string> Reasons(Decision decision)
        => [.. decision.Explanation.RuleTriggers.Select(t => $"{t.Rule}: {t.ReasonCode}").Distinct(StringComparer.Ordinal)];
}

/// <summary>The simulation's outcome over <see cref="Cases"/> cases.</summary>
public sealed record SimulationReport(int Cases, IReadOnlyList<SimulatedChange> Changes, IReadOnlyList<string> Errors);

/// <summary>
/// One decision that would change: <see cref="Added"/> triggers now in play, <see cref="Removed"/> ones no longer, and
/// <see cref="Terms"/> the other terms that changed (approvers, approvals required, warrant lifetime, degrade mode).
/// </summary>
public sealed record SimulatedChange(string Case, string Agent, string Tool, DecisionKind Before, DecisionKind After, IReadOnlyList<string> Added, IReadOnlyList<string> Removed)
{
    public IReadOnlyList<string> Terms { get; init; } = [];
}
