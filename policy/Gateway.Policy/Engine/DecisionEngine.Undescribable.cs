using Gateway.Policy.Canonical;

namespace Gateway.Policy;

// Requests that could not be described (a tool the catalog lacks, among others): blocked, with the decision path that says why.
// Shadow mode as on every other path: a request's simulate reports the decision the real call gets; a shadow tenant opens
// no incident and says what would have happened, but the block stands (with no descriptor there is nothing to forward).
public sealed partial class DecisionEngine
{
    private Decision Undescribable(TenantPolicy tenant, AuthenticatedCaller caller, string errorCode, ActionRequest request)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        ArgumentNullException.ThrowIfNull(request);
        var agent = errorCode != "unknown_tool" ? null
            : caller.Delegation is { } delegation ? tenant.FindDelegate(caller.Agent, delegation)
            : tenant.FindAgent(caller.Agent);
        var path = agent is null ? [] : UnknownToolPath(agent, request.Tool);
        var escalate = agent is { HasOpenCriticalFinding: true } && path.Length == ControlCount;
        var remedy = errorCode == "unknown_tool" ? $"add '{request.Tool}' to the catalog of tenant '{tenant.Slug}'" : "call with a tenant and workspace of this policy";
        var kind = escalate ? DecisionKind.BlockAndOpenIncident : DecisionKind.Block;
        var tenantShadow = tenant.Simulate;
        var simulated = tenantShadow || request.Simulate;
        var intentDigest = errorCode == "unknown_tool" ? UnknownToolDigest(tenant, caller, request) : string.Empty;
        return new Decision
        {
            Kind = tenantShadow ? DecisionKind.Block : kind,
            WouldBe = kind,
            Simulated = tenantShadow,
            EvaluateOnly = request.Simulate,
            Explanation = new Explanation
            {
                PolicyDigest = tenant.Digest,
                IntentDigest = intentDigest,
                DecisionPath = path,
                RuleTriggers = [new RuleTrigger { Rule = "descriptor", ReasonCode = errorCode, Effect = DecisionKind.Block, Message = $"the request could not be described: {errorCode}" }],
                OpenRisks = agent?.OpenRisks ?? [],
                WhatWouldChange = [remedy],
                Simulated = simulated,
                WouldBe = simulated ? kind : null,
                Person = caller.Person,
                Error = errorCode,
            },
        };
    }

    /// <summary>
    /// The intent digest of a request for a tool the catalog lacks (decision-model §6: computed for every descriptor):
    /// the most conservative descriptor — action type external, external, high impact, no target system — with the
    /// classes and arguments the request declares, so the refusal can be correlated and audited like any other.
    /// </summary>
    private static string UnknownToolDigest(TenantPolicy tenant, AuthenticatedCaller caller, ActionRequest request)
    {
        var classes = DataClassSet.None;
        if (request.DataClasses is { } declared)
        {
            foreach (var dataClass in declared)
            {
                classes |= dataClass.ToSet();
            }
        }

        return IntentDigest.Compute(new IntentFields(caller.Tenant, caller.Workspace, caller.Agent, request.Tool ?? string.Empty, ActionType.External, null, classes, tenant.Environment, true, ActionImpact.High, request.Args, request.Targets, caller.Person));
    }

    /// <summary>
    /// The decision path of a registered agent asking for a tool the catalog lacks: controls 1–4 as they
    /// stand, tool permission failing critical, and the controls that need the tool's action type not applicable.
    /// After a control 1 or 2 failure the path stops there, as in every other block.
    /// </summary>
    private static ControlResult[] UnknownToolPath(AgentIndex agent, string? tool)
    {
        var record = agent.Record;
        var path = new List<ControlResult>(ControlCount) { ControlResult.Passed(ControlId.AgentRegistration) };
        if (record.Lifecycle != AgentLifecycle.Active)
        {
            path.Add(new ControlResult
            {
                Control = ControlId.Lifecycle,
                Outcome = ControlOutcome.Fail,
                Severity = Severity.Critical,
                MissingEvidence = $"agent '{record.Id}' is {WireNames.Of(record.Lifecycle)}",
                Remedy = $"reactivate agent '{record.Id}'",
            });
            return [.. path];
        }

        path.Add(ControlResult.Passed(ControlId.Lifecycle));
        path.Add(record.HumanOwner is null
            ? new ControlResult { Control = ControlId.HumanOwner, Outcome = ControlOutcome.Fail, Severity = Severity.High, MissingEvidence = "no human owner", Remedy = $"assign a human owner to agent '{record.Id}'" }
            : ControlResult.Passed(ControlId.HumanOwner));
        path.Add(record.SecurityOwner is null
            ? new ControlResult { Control = ControlId.SecurityOwner, Outcome = ControlOutcome.Fail, Severity = Severity.High, MissingEvidence = "no security owner", Remedy = $"assign a security owner to agent '{record.Id}'" }
            : ControlResult.Passed(ControlId.SecurityOwner));
        path.Add(record.AtfLevel is null
            ? new ControlResult { Control = ControlId.AtfBoundary, Outcome = ControlOutcome.Fail, Severity = Severity.Critical, MissingEvidence = "no ATF level assigned", Remedy = $"assign an ATF level to agent '{record.Id}'" }
            : ControlResult.NotApplicable(ControlId.AtfBoundary));
        path.Add(new ControlResult
        {
            Control = ControlId.ToolPermission,
            Outcome = ControlOutcome.Fail,
            Severity = Severity.Critical,
            MissingEvidence = $"tool '{tool}' is not in the catalog, so no permission for it can exist",
            Remedy = $"add '{tool}' to the catalog and grant agent '{record.Id}' a permission for it",
        });
        path.Add(ControlResult.NotApplicable(ControlId.ApprovalGate));
        path.Add(ControlResult.NotApplicable(ControlId.DataMovement));
        path.Add(ControlResult.NotApplicable(ControlId.IncidentPlaybooks));
        path.Add(agent.OpenRisks.Length > 0
            ? new ControlResult { Control = ControlId.RisksFindings, Outcome = ControlOutcome.Pass, Severity = Severity.Info, MissingEvidence = $"{agent.OpenRisks.Length} open risk(s) or finding(s) linked to the agent" }
            : ControlResult.Passed(ControlId.RisksFindings));
        path.Add(ControlResult.NotApplicable(ControlId.RedTeam));
        return [.. path];
    }
}
