namespace Gateway.Policy;

/// <summary>What the controls found, accumulated without allocating on the passing path.</summary>
internal struct EvaluationState
{
    public bool AnyCritical;
    public bool AnyGap;
    public bool ApprovalObligation;
    public bool Escalation;
    public ApprovalGate? Gate;
    public List<RuleTrigger>? Triggers;
    public List<string>? Remedies;

    /// <summary>The remedies that are an approval warrant: they lift only a require_approval, so a block drops them.</summary>
    public List<string>? WarrantRemedies;

    public void Trigger(string rule, string reasonCode, DecisionKind effect, string? message = null)
    {
        Triggers ??= [];
        Triggers.Add(new RuleTrigger { Rule = rule, ReasonCode = reasonCode, Effect = effect, Message = message });
    }

    public void Remedy(string? remedy)
    {
        if (remedy is null)
        {
            return;
        }

        Remedies ??= [];
        if (!Remedies.Contains(remedy))
        {
            Remedies.Add(remedy);
        }
    }

    /// <summary>Records a control result's effect on the state and returns it.</summary>
    public ControlResult Record(ControlResult result, string? reasonCode)
    {
        if (result.Outcome == ControlOutcome.Fail)
        {
            if (result.Severity == Severity.Critical)
            {
                AnyCritical = true;
            }
            else
            {
                AnyGap = true;
            }

            Trigger(ControlRuleName(result.Control), reasonCode ?? "control_failed", result.Severity == Severity.Critical ? DecisionKind.Block : DecisionKind.RequireApproval, result.MissingEvidence);
            Remedy(result.Remedy);
        }
        else if (result.ApprovalRequired && result.Remedy is { } warrant)
        {
            Remedy(warrant);
            WarrantRemedies ??= [];
            WarrantRemedies.Add(warrant);
        }

        if (result.ApprovalRequired)
        {
            ApprovalObligation = true;
        }

        return result;
    }

    /// <summary>
    /// What would change a <paramref name="kind"/> decision: none for the allow family; an approval warrant only for a
    /// require_approval (a warrant never lifts a block), every other remedy as recorded.
    /// </summary>
    public readonly string[] WhatWouldChange(DecisionKind kind)
    {
        if (kind is DecisionKind.Allow or DecisionKind.AllowAndLog || Remedies is null)
        {
            return [];
        }

        var warrants = WarrantRemedies;
        return kind == DecisionKind.RequireApproval || warrants is null ? [.. Remedies] : [.. Remedies.Where(r => !warrants.Contains(r))];
    }

    public static string ControlRuleName(ControlId control) => "control:" + WireNames.Of(control);
}
