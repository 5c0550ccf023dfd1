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
        else if (result.ApprovalRequired)
        {
            Remedy(result.Remedy);
        }

        if (result.ApprovalRequired)
        {
            ApprovalObligation = true;
        }

        return result;
    }

    public static string ControlRuleName(ControlId control) => "control:" + WireNames.Of(control);
}
