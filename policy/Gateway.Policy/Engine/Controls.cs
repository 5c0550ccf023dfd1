namespace Gateway.Policy;

/// <summary>The eleven controls of decision-model §3. Each returns one result; strings are built only on failure.</summary>
internal static partial class Controls
{
    private static readonly string PlaybookNames = "prompt_injection, unauthorised_external_action, rogue_agent";

    public static ControlResult AgentRegistration(ref EvaluationState state, AgentIndex? agent, ActionDescriptor d)
        => agent is not null
            ? ControlResult.Passed(ControlId.AgentRegistration)
            : state.Record(
                ControlResult.Failed(ControlId.AgentRegistration, Severity.Critical, $"agent '{d.Agent}' is not in the register of tenant '{d.Tenant}'", $"register agent '{d.Agent}' in tenant '{d.Tenant}'"),
                "agent_not_registered");

    public static ControlResult Lifecycle(ref EvaluationState state, AgentRecord agent)
        => agent.Lifecycle == AgentLifecycle.Active
            ? ControlResult.Passed(ControlId.Lifecycle)
            : state.Record(
                ControlResult.Failed(ControlId.Lifecycle, Severity.Critical, $"agent '{agent.Id}' is {WireNames.Of(agent.Lifecycle)}", $"formally reactivate agent '{agent.Id}' (lifecycle: active)"),
                agent.Lifecycle == AgentLifecycle.Suspended ? "agent_suspended" : "agent_retired");

    public static ControlResult HumanOwner(ref EvaluationState state, AgentRecord agent)
        => !string.IsNullOrEmpty(agent.HumanOwner)
            ? ControlResult.Passed(ControlId.HumanOwner)
            : state.Record(
                ControlResult.Failed(ControlId.HumanOwner, Severity.High, $"agent '{agent.Id}' has no human owner", $"assign a human_owner to agent '{agent.Id}'"),
                "no_human_owner");

    public static ControlResult SecurityOwner(ref EvaluationState state, AgentRecord agent)
        => !string.IsNullOrEmpty(agent.SecurityOwner)
            ? ControlResult.Passed(ControlId.SecurityOwner)
            : state.Record(
                ControlResult.Failed(ControlId.SecurityOwner, Severity.High, $"agent '{agent.Id}' has no security owner", $"assign a security_owner to agent '{agent.Id}'"),
                "no_security_owner");

    /// <summary>Control 5; with no descriptor (a tool the catalog lacks) only its tool-independent part, the level's presence.</summary>
    public static ControlResult AtfBoundary(ref EvaluationState state, AgentRecord agent, ActionDescriptor? d)
    {
        if (agent.AtfLevel is not { } level)
        {
            return state.Record(
                ControlResult.Failed(ControlId.AtfBoundary, Severity.Critical, $"agent '{agent.Id}' has no ATF level", $"assign an ATF level (L1..L4) to agent '{agent.Id}'"),
                "atf_level_missing");
        }

        if (d is null)
        {
            return ControlResult.NotApplicable(ControlId.AtfBoundary);
        }

        var obligation = AtfObligation(level, d, d.DataClasses);
        if (obligation is null)
        {
            return state.Record(
                ControlResult.Failed(
                    ControlId.AtfBoundary,
                    Severity.Critical,
                    $"ATF L1 (Intern) permits only read, context and model_inference; '{d.Tool}' is a {WireNames.Of(d.ActionType)} action",
                    $"raise agent '{agent.Id}' to ATF L2 or higher, or use a read-only tool"),
                "atf_boundary_exceeded");
        }

        if (obligation.Length == 0)
        {
            return ControlResult.Passed(ControlId.AtfBoundary);
        }

        state.Trigger(EvaluationState.ControlRuleName(ControlId.AtfBoundary), "atf_approval_required", DecisionKind.RequireApproval, obligation);
        return state.Record(
            new ControlResult
            {
                Control = ControlId.AtfBoundary,
                Outcome = ControlOutcome.Pass,
                Severity = Severity.None,
                ApprovalRequired = true,
                MissingEvidence = obligation,
                Remedy = "present an approval warrant for this intent",
            },
            null);
    }

    /// <summary>The ATF evidence for an action on <paramref name="classes"/>: null outside L1's action types, empty when none is owed.</summary>
    private static string? AtfObligation(AtfLevel level, ActionDescriptor d, DataClassSet classes)
    {
        var toolRiskHigh = d.Entry.RiskTier is RiskTier.High or RiskTier.Critical;
        return level switch
        {
            AtfLevel.L1 when d.ActionType is not (ActionType.Read or ActionType.Context or ActionType.ModelInference) => null,
            // The hard ceiling (decision-model §3): no level lifts it.
            _ when (classes & DataClassSet.TopSecret) != 0 => $"ATF {WireNames.Of(level)}: top_secret data needs documented approval at every level",
            _ when d.Entry.RiskTier == RiskTier.Critical => $"ATF {WireNames.Of(level)}: critical-risk tools need documented approval at every level",
            AtfLevel.L2 when d.IsExternalAction || d.ActionType == ActionType.Financial => "ATF L2 (Junior): external and financial actions need approval",
            AtfLevel.L3 when d.ActionType == ActionType.Financial => "ATF L3 (Senior): financial actions need approval",
            AtfLevel.L3 when d.IsExternalAction && toolRiskHigh => "ATF L3 (Senior): external actions on high/critical-risk tools need approval",
            _ => string.Empty,
        };
    }

    public static ControlResult ToolPermission(ref EvaluationState state, AgentIndex agent, ActionDescriptor d)
    {
        var id = agent.Record.Id;
        if (!agent.Permissions.TryGetValue(d.Tool, out var permission))
        {
            return NotPermitted(ref state, id, d.Tool, $"tool '{d.Tool}' is not permitted for agent '{id}'");
        }

        if (!permission.Permits(d.ActionType))
        {
            return state.Record(
                ControlResult.Failed(ControlId.ToolPermission, Severity.Critical, $"action type '{WireNames.Of(d.ActionType)}' is not permitted for agent '{id}' on tool '{d.Tool}'", $"add '{WireNames.Of(d.ActionType)}' to agent '{id}''s action types for tool '{d.Tool}'"),
                "action_type_not_permitted");
        }

        var criticalTool = d.Entry.RiskTier == RiskTier.Critical;
        var auditOff = !permission.Permission.AuditLogging;
        var criticalWithoutFlag = criticalTool && !permission.Permission.HumanApprovalRequired;
        var obligation = criticalTool || permission.Permission.HumanApprovalRequired;
        if (!auditOff && !criticalWithoutFlag && !obligation)
        {
            return ControlResult.Passed(ControlId.ToolPermission);
        }

        if (obligation)
        {
            state.Trigger(
                EvaluationState.ControlRuleName(ControlId.ToolPermission),
                criticalTool ? "critical_tool_approval_required" : "human_approval_required",
                DecisionKind.RequireApproval,
                criticalTool ? $"'{d.Tool}' is a critical-risk tool" : $"the permission for '{d.Tool}' requires human approval");
        }

        if (!auditOff && !criticalWithoutFlag)
        {
            return state.Record(
                new ControlResult
                {
                    Control = ControlId.ToolPermission,
                    Outcome = ControlOutcome.Pass,
                    Severity = Severity.None,
                    ApprovalRequired = true,
                    MissingEvidence = criticalTool ? $"'{d.Tool}' is a critical-risk tool: every use needs approval" : $"the permission for '{d.Tool}' requires human approval",
                    Remedy = "present an approval warrant for this intent",
                },
                null);
        }

        var missing = new List<string>(2);
        var remedies = new List<string>(2);
        if (auditOff)
        {
            missing.Add($"audit logging is disabled on agent '{id}''s permission for '{d.Tool}'");
            remedies.Add($"enable audit_logging on agent '{id}''s permission for '{d.Tool}'");
        }

        if (criticalWithoutFlag)
        {
            missing.Add($"'{d.Tool}' is a critical-risk tool and the permission does not require human approval");
            remedies.Add($"set human_approval_required on agent '{id}''s permission for '{d.Tool}'");
        }

        return state.Record(
            new ControlResult
            {
                Control = ControlId.ToolPermission,
                Outcome = ControlOutcome.Fail,
                Severity = Severity.High,
                ApprovalRequired = obligation,
                MissingEvidence = string.Join("; ", missing),
                Remedy = string.Join("; ", remedies),
            },
            auditOff ? "audit_logging_disabled" : "critical_tool_without_human_approval");
    }

    /// <summary>Control 6 for a tool the catalog lacks: no permission for it can exist (critical).</summary>
    public static ControlResult ToolOutsideCatalog(ref EvaluationState state, AgentRecord agent, string? tool)
        => NotPermitted(ref state, agent.Id, tool, $"tool '{tool}' is not in the catalog, so no permission for it can exist");

    private static ControlResult NotPermitted(ref EvaluationState state, string id, string? tool, string missingEvidence)
        => state.Record(ControlResult.Failed(ControlId.ToolPermission, Severity.Critical, missingEvidence, $"grant agent '{id}' a permission for tool '{tool}'"), "tool_not_permitted");

    public static ControlResult DataMovement(ref EvaluationState state, TenantPolicy tenant, AgentIndex agent, ActionDescriptor d)
    {
        var beyond = d.DataClasses & ~agent.DataClassCeiling;
        if (beyond != DataClassSet.None)
        {
            var classes = string.Join(", ", DataClassSets.ToList(beyond).Select(WireNames.Of));
            return state.Record(
                ControlResult.Failed(
                    ControlId.DataMovement,
                    Severity.Critical,
                    $"delegated agent '{agent.Record.Id}' may not touch {classes}: beyond its delegation's data-class ceiling",
                    $"ask agent '{d.RegisteredAgent}' for a delegation whose data_class_ceiling covers {classes}"),
                "beyond_delegation_ceiling");
        }

        var regulated = d.DataClasses & DataClassSet.Regulated;
        if (regulated == DataClassSet.None)
        {
            return ControlResult.NotApplicable(ControlId.DataMovement);
        }

        var missing = regulated & ~tenant.DocumentedFlows(agent, d.Tool);
        if (missing == DataClassSet.None)
        {
            return ControlResult.Passed(ControlId.DataMovement);
        }

        var names = string.Join(", ", DataClassSets.ToList(missing).Select(WireNames.Of));
        return state.Record(
            ControlResult.Failed(ControlId.DataMovement, Severity.High, $"no documented data flow for agent '{agent.Record.Id}', tool '{d.Tool}', classes {names}", $"document a data flow for agent '{agent.Record.Id}' through '{d.Tool}' with classes {names}"),
            "undocumented_data_flow");
    }

    public static ControlResult IncidentPlaybooks(ref EvaluationState state, AgentRecord agent)
    {
        if (agent.RiskTier is not (RiskTier.High or RiskTier.Critical))
        {
            return ControlResult.NotApplicable(ControlId.IncidentPlaybooks);
        }

        if ((agent.Playbooks & Playbooks.All) == Playbooks.All)
        {
            return ControlResult.Passed(ControlId.IncidentPlaybooks);
        }

        var missing = MissingPlaybooks(agent.Playbooks);
        return state.Record(
            ControlResult.Failed(ControlId.IncidentPlaybooks, Severity.Medium, $"{WireNames.Of(agent.RiskTier)}-risk agent '{agent.Id}' lacks playbooks: {missing}", $"give agent '{agent.Id}' all three playbooks ({PlaybookNames})"),
            "playbooks_missing");
    }

    // Apart from IncidentPlaybooks: its filter's closure is made only for an agent that lacks one, not on every decision.
    private static string MissingPlaybooks(Playbooks playbooks) =>
        string.Join(", ", new[] { Playbooks.PromptInjection, Playbooks.UnauthorisedExternalAction, Playbooks.RogueAgent }
            .Where(p => (playbooks & p) == 0)
            .Select(WireNames.Of));

    public static ControlResult RisksFindings(ref EvaluationState state, AgentIndex agent)
    {
        if (agent.OpenRisks.Length == 0)
        {
            return ControlResult.Passed(ControlId.RisksFindings);
        }

        if (!agent.HasOpenCriticalFinding)
        {
            return new ControlResult { Control = ControlId.RisksFindings, Outcome = ControlOutcome.Pass, Severity = Severity.Info };
        }

        state.Escalation = true;
        var critical = string.Join(", ", agent.OpenRisks.Where(r => r.Kind == RiskItemKind.Finding && r.Severity == Severity.Critical).Select(r => r.Id));
        var remedy = $"close or remediate critical finding(s) {critical}";
        state.Trigger(EvaluationState.ControlRuleName(ControlId.RisksFindings), "open_critical_finding", DecisionKind.RequireApproval, $"open critical finding(s) {critical} linked to agent '{agent.Record.Id}'");
        state.Remedy(remedy);
        return new ControlResult
        {
            Control = ControlId.RisksFindings,
            Outcome = ControlOutcome.Pass,
            Severity = Severity.Info,
            MissingEvidence = $"open critical finding(s) {critical} linked to agent '{agent.Record.Id}'",
            Remedy = remedy,
        };
    }

    /// <summary>Control 11; with no descriptor (a tool the catalog lacks) it applies by the agent's own risk tier alone.</summary>
    public static ControlResult RedTeam(ref EvaluationState state, AgentIndex agent, ActionDescriptor? d)
    {
        var applies = agent.Record.RiskTier is RiskTier.High or RiskTier.Critical || d is { IsExternalAction: true };
        if (!applies)
        {
            return ControlResult.NotApplicable(ControlId.RedTeam);
        }

        if (agent.HasPassedRedTeam)
        {
            return ControlResult.Passed(ControlId.RedTeam);
        }

        return state.Record(
            ControlResult.Failed(ControlId.RedTeam, Severity.High, $"no passed red-team test on record for agent '{agent.Record.Id}'", $"record a passed red-team test for agent '{agent.Record.Id}'"),
            "no_passed_red_team");
    }
}
