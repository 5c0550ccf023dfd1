using System.Text.Json;
using Gateway.Policy;

namespace Gateway.Oversight.Approvals;

/// <summary>
/// What a <c>require_approval</c> asks for: approval by <see cref="ApprovalsRequired"/> distinct people among
/// <see cref="Approvers"/>, for <see cref="Reasons"/> (the <c>rule</c> of each rule trigger whose effect is require_approval:
/// a rule's id, <c>control:approval_gate</c>, <c>run_limits.loop</c>…). An approval lifts the obligation a retry meets only
/// when it <see cref="Covers"/> it: a retry that now needs other people, more of them, or approval for another reason is held
/// for a new approval, whatever its warrant.
/// </summary>
public sealed record ApprovalObligation
{
    private static readonly string RequireApproval = WireNames.Of(DecisionKind.RequireApproval);

    /// <summary>The people who may approve (distinct).</summary>
    public required IReadOnlyList<string> Approvers { get; init; }

    /// <summary>How many distinct approvers must approve.</summary>
    public required int ApprovalsRequired { get; init; }

    /// <summary>The rules that asked for approval; null when not known (an approval that kept no explanation).</summary>
    public IReadOnlyList<string>? Reasons { get; init; }

    /// <summary>The obligation of a <c>require_approval</c> decision.</summary>
    public static ApprovalObligation Of(Decision decision)
    {
        ArgumentNullException.ThrowIfNull(decision);
        return new ApprovalObligation
        {
            Approvers = [.. decision.Approvers.Distinct(StringComparer.Ordinal)],
            ApprovalsRequired = Math.Max(1, decision.ApprovalsRequired),
            Reasons = [.. decision.Explanation.RuleTriggers.Where(static t => t.Effect == DecisionKind.RequireApproval).Select(static t => t.Rule).Distinct(StringComparer.Ordinal)],
        };
    }

    /// <summary>
    /// The obligation <paramref name="approval"/> was opened for (and so approved for): its approvers and approvals required,
    /// and the rules its kept explanation names (none known when it kept none).
    /// </summary>
    public static ApprovalObligation Of(ApprovalRequest approval)
    {
        ArgumentNullException.ThrowIfNull(approval);
        return new ApprovalObligation { Approvers = approval.Approvers, ApprovalsRequired = approval.ApprovalsRequired, Reasons = ReasonsIn(approval.Explanation) };
    }

    /// <summary>
    /// True when an approval for this obligation satisfies <paramref name="current"/>: every person who could approve this is
    /// one <paramref name="current"/> names, at least as many approvals were required, and every reason <paramref name="current"/>
    /// gives was among this one's (when this one's are known).
    /// </summary>
    public bool Covers(ApprovalObligation current)
    {
        ArgumentNullException.ThrowIfNull(current);
        return current.ApprovalsRequired <= ApprovalsRequired
            && Approvers.All(a => current.Approvers.Contains(a, StringComparer.Ordinal))
            && (Reasons is null || current.Reasons is null || current.Reasons.All(r => Reasons.Contains(r, StringComparer.Ordinal)));
    }

    // The rules of a kept explanation's rule_triggers whose effect is require_approval; null without an explanation to read.
    private static string[]? ReasonsIn(JsonElement? explanation)
    {
        if (explanation is not { ValueKind: JsonValueKind.Object } value
            || !value.TryGetProperty("rule_triggers", out var triggers) || triggers.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        return
        [
            .. triggers.EnumerateArray()
                .Where(static t => t.ValueKind == JsonValueKind.Object
                    && t.TryGetProperty("effect", out var effect) && effect.ValueKind == JsonValueKind.String && effect.ValueEquals(RequireApproval)
                    && t.TryGetProperty("rule", out var rule) && rule.ValueKind == JsonValueKind.String)
                .Select(static t => t.GetProperty("rule").GetString()!)
                .Distinct(StringComparer.Ordinal),
        ];
    }
}
