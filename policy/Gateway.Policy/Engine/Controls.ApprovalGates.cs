namespace Gateway.Policy;

/// <summary>Control 7, the approval gate, and which gate covers an action.</summary>
internal static partial class Controls
{
    /// <summary>
    /// Control 7. A gate matched only through the request's declared classes covers the action only where nothing matched
    /// on the catalog's own classes and the action needs no gate without those classes: declaring a class never lifts a block.
    /// </summary>
    public static ControlResult ApprovalGate(ref EvaluationState state, TenantPolicy tenant, AgentIndex agent, ActionDescriptor d)
    {
        var gate = FindGate(tenant, d, out var declaredOnly);
        if (gate is null && declaredOnly is not null && !NeedsGateOnCatalogClasses(agent, d))
        {
            (gate, declaredOnly) = (declaredOnly, null);
        }

        if (gate is not null)
        {
            state.Gate = gate;
            state.Trigger(EvaluationState.ControlRuleName(ControlId.ApprovalGate), "approval_gate", DecisionKind.RequireApproval, $"gate '{gate.Id}' covers this action");
            return state.Record(
                new ControlResult
                {
                    Control = ControlId.ApprovalGate,
                    Outcome = ControlOutcome.Pass,
                    Severity = Severity.None,
                    ApprovalRequired = true,
                    MissingEvidence = $"approval by {gate.ApprovalsRequired} of {string.Join(", ", gate.Approvers)} (gate '{gate.Id}')",
                    Remedy = $"obtain an approval warrant from {gate.ApprovalsRequired} of {string.Join(", ", gate.Approvers)} (gate '{gate.Id}') for this intent",
                },
                null);
        }

        var required = d.ActionType is ActionType.External or ActionType.Financial or ActionType.CodeModification
            || d.IsExternalAction
            || state.ApprovalObligation
            || declaredOnly is not null;
        if (!required)
        {
            return ControlResult.NotApplicable(ControlId.ApprovalGate);
        }

        var declaredNote = declaredOnly is null ? null : $"; gate '{declaredOnly.Id}' matches only through the request's declared data classes, which never stand in for the gate the action needs without them";
        return state.Record(
            ControlResult.Failed(
                ControlId.ApprovalGate,
                Severity.Critical,
                $"no active approval gate covers a {WireNames.Of(d.ActionType)} action on '{d.Tool}' (target {d.TargetSystem ?? "none"}, environment {WireNames.Of(d.Environment)}){declaredNote}",
                $"add an active approval gate matching action type '{WireNames.Of(d.ActionType)}', tool '{d.Tool}', its target system, data classes and environment '{WireNames.Of(d.Environment)}'"),
            "no_approval_gate");
    }

    /// <summary>The action's classes that its catalog entry gives it, without those the request declared.</summary>
    internal static DataClassSet CatalogClasses(ActionDescriptor d) => d.DataClasses & d.Entry.DataClasses;

    /// <summary>Whether <paramref name="gate"/> matches the action only through the classes the request declared.</summary>
    internal static bool MatchesOnlyThroughDeclaredClasses(ApprovalGate gate, ActionDescriptor d)
        => gate.DataClasses is { } classes && (classes & CatalogClasses(d)) == 0;

    /// <summary>Whether the action needs a gate (control 7) on its catalog classes alone; an unknown ATF level counts as needing one.</summary>
    private static bool NeedsGateOnCatalogClasses(AgentIndex agent, ActionDescriptor d)
        => d.ActionType is ActionType.External or ActionType.Financial or ActionType.CodeModification
            || d.IsExternalAction
            || agent.Record.AtfLevel is not { } level
            || AtfObligation(level, d, CatalogClasses(d)) is not { Length: 0 }
            || d.Entry.RiskTier == RiskTier.Critical
            || (agent.Permissions.TryGetValue(d.Tool, out var permission) && permission.Permission.HumanApprovalRequired);

    /// <summary>
    /// The most demanding active gate that matches on the catalog's own classes (most approvals, then the shortest warrant;
    /// file order breaks a tie); <paramref name="declaredOnly"/>: the most demanding of those matching only through declared classes.
    /// </summary>
    private static ApprovalGate? FindGate(TenantPolicy tenant, ActionDescriptor d, out ApprovalGate? declaredOnly)
    {
        ApprovalGate? found = null;
        declaredOnly = null;
        foreach (var gate in tenant.GatesArray(d.ActionType))
        {
            if (gate.Tools is not null && !Glob.AnyMatch(gate.Tools, d.Tool))
            {
                continue;
            }

            if (gate.TargetSystems is not null && (d.TargetSystem is null || !gate.TargetSystems.Contains(d.TargetSystem)))
            {
                continue;
            }

            if (gate.Environments is not null && !gate.Environments.Contains(d.Environment))
            {
                continue;
            }

            if (gate.DataClasses is { } classes && (classes & d.DataClasses) == 0)
            {
                continue;
            }

            if (MatchesOnlyThroughDeclaredClasses(gate, d))
            {
                declaredOnly = MoreDemanding(gate, declaredOnly);
            }
            else
            {
                found = MoreDemanding(gate, found);
            }
        }

        return found;
    }

    private static ApprovalGate MoreDemanding(ApprovalGate gate, ApprovalGate? found)
        => found is null || gate.ApprovalsRequired > found.ApprovalsRequired
            || (gate.ApprovalsRequired == found.ApprovalsRequired && gate.WarrantTtl < found.WarrantTtl)
            ? gate
            : found;
}
