using System.Globalization;

namespace Gateway.Policy.Authoring;

/// <summary>
/// The terms of a decision that <c>policy test</c> checks and <c>policy simulate</c> compares, with one notion of
/// "the same" for both: the decision, its approvers (as a set), how many must approve, the warrant's lifetime and the
/// degrade mode. A change in any of them is a changed decision.
/// </summary>
public static class DecisionComparison
{
    /// <summary>
    /// Every term in which <paramref name="after"/> differs from <paramref name="before"/>, as "term: before → after": the
    /// kind; for two require_approvals their approvers, approvals required and warrant lifetime; for two degrades the mode.
    /// </summary>
    public static IReadOnlyList<string> Changes(Decision before, Decision after)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        var changes = new List<string>();
        if (before.Kind != after.Kind)
        {
            changes.Add($"decision: {WireNames.Of(before.Kind)} → {WireNames.Of(after.Kind)}");
        }
        else if (after.Kind == DecisionKind.RequireApproval)
        {
            // The obligation's terms: who may approve, how many, for how long the warrant holds.
            if (!SameApprovers(before.Approvers, after.Approvers))
            {
                changes.Add($"approvers: {List(before.Approvers)} → {List(after.Approvers)}");
            }

            if (before.ApprovalsRequired != after.ApprovalsRequired)
            {
                changes.Add($"approvals_required: {before.ApprovalsRequired} → {after.ApprovalsRequired}");
            }

            if (before.WarrantTtl != after.WarrantTtl)
            {
                changes.Add($"warrant_ttl: {Ttl(before.WarrantTtl)} → {Ttl(after.WarrantTtl)}");
            }
        }
        else if (before.Degrade?.Mode != after.Degrade?.Mode)
        {
            changes.Add($"degrade_mode: {Degrade(before.Degrade?.Mode)} → {Degrade(after.Degrade?.Mode)}");
        }

        return changes;
    }

    /// <summary>
    /// The decision the policy reached, which the offline tools check and compare: in a shadow tenant (<c>simulate: true</c>)
    /// <see cref="Decision.WouldBe"/> with the explanation's degrade mode, not the enforced allow/allow_and_log.
    /// </summary>
    public static Decision PolicysDecision(Decision decision)
    {
        ArgumentNullException.ThrowIfNull(decision);
        if (!decision.Simulated || decision.Kind == decision.WouldBe)
        {
            return decision;
        }

        var degrade = decision.WouldBe == DecisionKind.Degrade && decision.Explanation.DegradeMode is { } mode ? new DegradeSpec { Mode = mode } : null;
        return decision with { Kind = decision.WouldBe, Degrade = degrade };
    }

    /// <summary>The enforced decision when it differs from the policy's (a shadow tenant's), else null.</summary>
    public static DecisionKind? EnforcedIfDifferent(Decision decision)
    {
        ArgumentNullException.ThrowIfNull(decision);
        return decision.Simulated && decision.Kind != decision.WouldBe ? decision.Kind : null;
    }

    /// <summary>Whether two approver lists name the same people (order and repeats aside).</summary>
    public static bool SameApprovers(IReadOnlyList<string> expected, IReadOnlyList<string> actual)
    {
        ArgumentNullException.ThrowIfNull(expected);
        ArgumentNullException.ThrowIfNull(actual);
        return new HashSet<string>(expected, StringComparer.Ordinal).SetEquals(actual);
    }

    /// <summary>An approver list as the reports write it: <c>[alice, bob]</c>.</summary>
    public static string List(IReadOnlyList<string> approvers) => "[" + string.Join(", ", approvers) + "]";

    /// <summary>A degrade mode as the reports write it, <c>none</c> when there is none.</summary>
    public static string Degrade(DegradeMode? mode) => mode is { } m ? WireNames.Of(m) : "none";

    private static string Ttl(TimeSpan? ttl) => ttl is { } t ? t.ToString("c", CultureInfo.InvariantCulture) : "default";
}
