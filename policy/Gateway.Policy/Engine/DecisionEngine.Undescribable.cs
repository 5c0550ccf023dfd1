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
        var remedy = errorCode == "unknown_tool" ? $"add '{request.Tool}' to the catalog of tenant '{tenant.Slug}'" : "call with a tenant and workspace of this policy";
        var state = default(EvaluationState);
        state.Trigger("descriptor", errorCode, DecisionKind.Block, $"the request could not be described: {errorCode}");
        state.Remedy(remedy);
        var path = agent is null ? [] : UnknownToolPath(ref state, agent, request.Tool);
        var escalate = agent is { HasOpenCriticalFinding: true } && path.Length == ControlCount;
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
                RuleTriggers = [.. state.Triggers!],
                OpenRisks = agent?.OpenRisks ?? [],
                WhatWouldChange = state.WhatWouldChange(kind),
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
    /// The decision path of a registered agent asking for a tool the catalog lacks: the controls themselves, run as on
    /// every other path with the tool's part unknown — tool permission failing critical, approval gate and data
    /// movement (which need the tool's action type and classes) not applicable, the ATF boundary only its level, the
    /// red team by the agent's own risk tier. After a lifecycle failure the path stops there, as in every other block.
    /// </summary>
    private static ControlResult[] UnknownToolPath(ref EvaluationState state, AgentIndex agent, string? tool)
    {
        var record = agent.Record;
        var path = new ControlResult[ControlCount];
        path[0] = ControlResult.Passed(ControlId.AgentRegistration);
        path[1] = Controls.Lifecycle(ref state, record);
        if (state.AnyCritical)
        {
            return path[..2];
        }

        path[2] = Controls.HumanOwner(ref state, record);
        path[3] = Controls.SecurityOwner(ref state, record);
        path[4] = Controls.AtfBoundary(ref state, record, null);
        path[5] = Controls.ToolOutsideCatalog(ref state, record, tool);
        path[6] = ControlResult.NotApplicable(ControlId.ApprovalGate);
        path[7] = ControlResult.NotApplicable(ControlId.DataMovement);
        path[8] = Controls.IncidentPlaybooks(ref state, record);
        path[9] = Controls.RisksFindings(ref state, agent);
        path[10] = Controls.RedTeam(ref state, agent, null);
        return path;
    }
}
