using Gateway.Policy.Canonical;

namespace Gateway.Policy;

/// <summary>
/// Turns one request into one decision (decision-model §1–§4, §6). Pure and thread-safe: no I/O, no clock,
/// no shared mutable state but the decision paths it shares (<see cref="DecisionPaths"/>), which change no result.
/// </summary>
public sealed partial class DecisionEngine
{
    private const int ControlCount = DecisionPaths.Buffer.Length;

    /// <summary>The shared instance (the engine has no configuration).</summary>
    public static DecisionEngine Instance { get; } = new();

    /// <summary>Describes, then decides. A request that cannot be described is a block (fail closed).</summary>
    public Decision Evaluate(TenantPolicy tenant, AuthenticatedCaller caller, ActionRequest request)
    {
        var described = Describe(tenant, caller, request);
        return described.Descriptor is { } descriptor
            ? Decide(tenant, descriptor, request)
            : Undescribable(tenant, caller, described.ErrorCode!, request);
    }

    /// <summary>
    /// Derives the action descriptor: the catalog entry's action type (or the route's, <see cref="ActionRequest.RouteActionType"/>),
    /// target, classes (widened by the request's), external flag and impact, the tenant's environment, and the intent digest.
    /// </summary>
    public DescribeResult Describe(TenantPolicy tenant, AuthenticatedCaller caller, ActionRequest request)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        ArgumentNullException.ThrowIfNull(request);
        if (!string.Equals(caller.Tenant, tenant.Slug, StringComparison.Ordinal))
        {
            return new DescribeResult(null, "wrong_tenant");
        }

        if (!tenant.HasWorkspace(caller.Workspace))
        {
            return new DescribeResult(null, "unknown_workspace");
        }

        if (request.Tool is null || !tenant.TryGetCatalogEntry(request.Tool, out var entry))
        {
            return new DescribeResult(null, "unknown_tool");
        }

        var classes = entry!.DataClasses;
        if (request.DataClasses is { } declared)
        {
            for (var i = 0; i < declared.Count; i++)
            {
                classes |= declared[i].ToSet();
            }
        }

        // The route's action on the entry (a writeback writes to a context entry), else the entry's own.
        var actionType = request.RouteActionType() ?? entry.ActionType;
        var impact = entry.ImpactOf(actionType);
        var fields = new IntentFields(caller.Tenant, caller.Workspace, caller.Agent, entry.Name, actionType, entry.TargetSystem, classes, tenant.Environment, entry.External, impact, request.Args, request.Targets, caller.Person);
        return new DescribeResult(
            new ActionDescriptor
            {
                Tenant = caller.Tenant,
                Workspace = caller.Workspace,
                Agent = caller.Agent,
                Tool = entry.Name,
                ActionType = actionType,
                TargetSystem = entry.TargetSystem,
                DataClasses = classes,
                Environment = tenant.Environment,
                External = entry.External,
                Impact = impact,
                IntentDigest = IntentDigest.Compute(fields),
                Person = caller.Person,
                Entry = entry,
                Delegation = caller.Delegation,
            },
            null);
    }

    /// <summary>
    /// The digest a run's loop detection counts <paramref name="descriptor"/> under: its intent digest with the registered
    /// agent as the actor, so a delegated child's repeats count with its agent's (a registered agent's is its intent digest).
    /// </summary>
    public static string LoopDigest(ActionDescriptor descriptor, ActionRequest request)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        ArgumentNullException.ThrowIfNull(request);
        return descriptor.Delegation is null
            ? descriptor.IntentDigest
            : IntentDigest.Compute(new IntentFields(descriptor.Tenant, descriptor.Workspace, descriptor.RegisteredAgent, descriptor.Tool, descriptor.ActionType, descriptor.TargetSystem, descriptor.DataClasses, descriptor.Environment, descriptor.External, descriptor.Impact, request.Args, request.Targets, descriptor.Person));
    }

    /// <summary>Runs the eleven controls in order, combines them (§4), then applies the custom rules (tighten only).</summary>
    public Decision Decide(TenantPolicy tenant, ActionDescriptor descriptor, ActionRequest request) => Decide(tenant, descriptor, request, null);

    /// <summary>
    /// As <see cref="Decide(TenantPolicy, ActionDescriptor, ActionRequest)"/>, for a request acting in a run: the agent's
    /// <c>run_limits.loop</c> tightens the decision to its chosen one when <paramref name="run"/> counted the request's
    /// intent at least its <c>repeats</c> times in the run (a rule trigger <c>run_limits.loop</c>, reason
    /// <c>run_loop_detected</c>, and a remedy name it).
    /// </summary>
    public Decision Decide(TenantPolicy tenant, ActionDescriptor descriptor, ActionRequest request, RunActivity? run)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        ArgumentNullException.ThrowIfNull(descriptor);
        ArgumentNullException.ThrowIfNull(request);

        var state = default(EvaluationState);
        var agent = descriptor.Delegation is { } delegation ? tenant.FindDelegate(descriptor.Agent, delegation) : tenant.FindAgent(descriptor.Agent);
        var path = default(DecisionPaths.Buffer);
        path[0] = Controls.AgentRegistration(ref state, agent, descriptor);
        if (agent is null)
        {
            return Finish(tenant, descriptor, request, DecisionPaths.Share(path[..1]), ref state, DecisionKind.Block, null, run);
        }

        var record = agent.Record;
        path[1] = Controls.Lifecycle(ref state, record);
        if (state.AnyCritical)
        {
            return Finish(tenant, descriptor, request, DecisionPaths.Share(path[..2]), ref state, DecisionKind.Block, agent, run);
        }

        path[2] = Controls.HumanOwner(ref state, record);
        path[3] = Controls.SecurityOwner(ref state, record);
        path[4] = Controls.AtfBoundary(ref state, record, descriptor);
        path[5] = Controls.ToolPermission(ref state, agent, descriptor);
        path[6] = Controls.ApprovalGate(ref state, tenant, agent, descriptor);
        path[7] = Controls.DataMovement(ref state, tenant, agent, descriptor);
        path[8] = Controls.IncidentPlaybooks(ref state, record);
        path[9] = Controls.RisksFindings(ref state, agent);
        path[10] = Controls.RedTeam(ref state, agent, descriptor);

        DecisionKind kind;
        if (state.AnyCritical)
        {
            kind = agent.HasOpenCriticalFinding ? DecisionKind.BlockAndOpenIncident : DecisionKind.Block;
        }
        else if (state.ApprovalObligation || (state.AnyGap && descriptor.Impact == ActionImpact.High) || state.Escalation)
        {
            kind = DecisionKind.RequireApproval;
        }
        else if (state.AnyGap)
        {
            kind = DecisionKind.Degrade;
        }
        else
        {
            kind = descriptor.Impact == ActionImpact.High || descriptor.IsExternalAction ? DecisionKind.AllowAndLog : DecisionKind.Allow;
        }

        return Finish(tenant, descriptor, request, DecisionPaths.Share(path), ref state, kind, agent, run);
    }

    private static Decision Finish(
        TenantPolicy tenant,
        ActionDescriptor descriptor,
        ActionRequest request,
        ControlResult[] path,
        ref EvaluationState state,
        DecisionKind kind,
        AgentIndex? agent,
        RunActivity? run)
    {
        CustomRule? approvalRule = null;
        CustomRule? declaredApprovalRule = null;
        ActionDescriptor? onCatalogClasses = null;
        var entryDegrade = descriptor.Entry.Degrade ?? DegradeSpec.DefaultReadOnly;

        // The controls' degrade: gaps on a low-impact action, in force now or (where an obligation or an escalation asked
        // for approval as well) once a warrant lifts that approval.
        var controlsDegrade = kind == DecisionKind.Degrade
            || (kind == DecisionKind.RequireApproval && state.AnyGap && !state.AnyCritical && descriptor.Impact != ActionImpact.High);

        // The reduced form in force: the catalog's when the controls degrade, and each degrading rule's (its mode, or the
        // catalog's). One action runs in one form, so two different forms cannot both be honoured: that blocks.
        DegradeMode? degradeForm = controlsDegrade ? entryDegrade.Mode : null;

        // What a warrant leaves standing: a warrant lifts a require_approval, never a control's or a rule's degrade.
        var warranted = controlsDegrade ? DecisionKind.Degrade : DecisionKind.AllowAndLog;

        // What first degraded the action beside the controls (a rule or default_verdict): named where its form cannot reduce it.
        string? degradedBy = null;
        if (agent is not null)
        {
            var explicitlyAllowed = false;
            foreach (var rule in tenant.RuleArray)
            {
                if (rule.Requires != RequiredFields.None && RuleMatcher.InScope(rule, descriptor) && RuleMatcher.Missing(rule, request) is var missing and not RequiredFields.None)
                {
                    var names = string.Join(", ", MissingNames(missing));
                    state.Trigger(rule.Id, "missing_" + MissingNames(missing).First(), DecisionKind.Block, $"rule '{rule.Id}' requires {names}; the request omits it (fail closed)");
                    state.Remedy($"declare {names} in the request (rule '{rule.Id}' requires it)");
                    kind = Tighten(kind, DecisionKind.Block);
                    warranted = Tighten(warranted, DecisionKind.Block);
                    continue;
                }

                if (!RuleMatcher.Matches(rule, descriptor, request))
                {
                    continue;
                }

                if (rule.Effect == RuleEffect.Allow)
                {
                    explicitlyAllowed = true;
                    state.Trigger(rule.Id, rule.Reason, DecisionKind.Allow);
                    continue;
                }

                var effect = EffectOf(rule.Effect);
                state.Trigger(rule.Id, rule.Reason, effect);
                state.Remedy($"change the request so that rule '{rule.Id}' ({rule.Reason}) no longer matches");
                if (effect == DecisionKind.Degrade && (rule.DegradeMode ?? entryDegrade.Mode) is var form && form != degradeForm)
                {
                    if (degradeForm is { } inForce)
                    {
                        state.Trigger(rule.Id, "degrade_forms_conflict", DecisionKind.Block,
                            $"rule '{rule.Id}' degrades to {WireNames.Of(form)} where {WireNames.Of(inForce)} is already in force; one action runs in one reduced form (fail closed)");
                        state.Remedy($"make rule '{rule.Id}' name the degrade form already in force ({WireNames.Of(inForce)}), or narrow its match");
                        kind = Tighten(kind, DecisionKind.Block);
                        warranted = Tighten(warranted, DecisionKind.Block);
                        continue;
                    }

                    degradeForm = form;
                }

                if (effect == DecisionKind.Degrade)
                {
                    degradedBy ??= rule.Id;
                }

                if (effect == DecisionKind.RequireApproval)
                {
                    // A rule matched only through the request's declared classes is kept apart: it never picks who approves over
                    // a gate or rule that matches without them.
                    ref var slot = ref MatchesOnlyThroughDeclaredClasses(rule, descriptor, request, ref onCatalogClasses) ? ref declaredApprovalRule : ref approvalRule;
                    if (slot is null || rule.ApprovalsRequired > slot.ApprovalsRequired)
                    {
                        slot = rule;
                    }
                }

                if (effect != DecisionKind.RequireApproval)
                {
                    warranted = Tighten(warranted, effect);
                }

                kind = Tighten(kind, effect);
            }

            if (!explicitlyAllowed && tenant.DefaultVerdict != RuleEffect.Allow)
            {
                var effect = EffectOf(tenant.DefaultVerdict);
                state.Trigger("default_verdict", "default_verdict_" + WireNames.Of(tenant.DefaultVerdict), effect, $"no allow rule matches; tenant '{tenant.Slug}' defaults to {WireNames.Of(tenant.DefaultVerdict)}");
                state.Remedy($"add an allow rule matching this action, or change default_verdict of tenant '{tenant.Slug}'");
                if (effect == DecisionKind.Degrade)
                {
                    degradedBy ??= "default_verdict";
                }

                if (effect != DecisionKind.RequireApproval)
                {
                    warranted = Tighten(warranted, effect);
                }

                kind = Tighten(kind, effect);
            }

            // The run's loop detection: the same intent counted its repeats times in the run (a delegated child's runs
            // are its registered agent's, and so are their limits).
            var runAgent = descriptor.RegisteredAgent;
            if (run is { } activity && tenant.RunLimitsFor(runAgent)?.Loop is { } loop && activity.IntentRepeats >= loop.Repeats)
            {
                state.Triggers ??= [];
                state.Triggers.Add(RunLimitExplanations.LoopTrigger(loop, runAgent, LoopDigest(descriptor, request), activity.RunId, activity.IntentRepeats));
                state.Remedy(RunLimitExplanations.LoopRemedy(loop, runAgent, activity.RunId));
                if (loop.Decision != DecisionKind.RequireApproval)
                {
                    warranted = Tighten(warranted, loop.Decision);
                }

                kind = Tighten(kind, loop.Decision);
            }
        }

        // A response-only form cannot reduce a mutating action: degraded in it (now, or once a warrant lifts an approval),
        // the write would reach the upstream whole. That blocks (fail closed).
        var inForm = degradeForm ?? entryDegrade.Mode;
        if ((kind == DecisionKind.Degrade || warranted == DecisionKind.Degrade) && ReducesOnlyTheResponse(inForm, descriptor))
        {
            RefuseResponseOnlyForm(ref state, descriptor, inForm, degradedBy);
            kind = Tighten(kind, DecisionKind.Block);
            warranted = Tighten(warranted, DecisionKind.Block);
        }

        var (approvers, approvalsRequired, warrantTtl) = kind == DecisionKind.RequireApproval
            ? Approval(tenant, agent, descriptor, state.Gate, approvalRule, declaredApprovalRule)
            : ([], 0, null);

        var degradeSpec = inForm != entryDegrade.Mode ? new DegradeSpec { Mode = inForm } : entryDegrade;
        var degrade = kind == DecisionKind.Degrade ? degradeSpec : null;
        var tenantShadow = tenant.Simulate;
        var simulated = tenantShadow || request.Simulate;
        var enforced = kind;
        if (tenantShadow)
        {
            enforced = kind == DecisionKind.Allow ? DecisionKind.Allow : DecisionKind.AllowAndLog;
        }

        var explanation = new Explanation
        {
            PolicyDigest = tenant.Digest,
            IntentDigest = descriptor.IntentDigest,
            DecisionPath = path,
            RuleTriggers = state.Triggers is null ? [] : state.Triggers.ToArray(),
            OpenRisks = agent?.OpenRisks ?? [],
            WhatWouldChange = state.WhatWouldChange(kind),
            Approvers = kind == DecisionKind.RequireApproval ? approvers : null,
            ApprovalsRequired = approvalsRequired,
            DegradeMode = degrade?.Mode,
            Simulated = simulated,
            WouldBe = simulated ? kind : null,
            Person = descriptor.Person,
        };

        return new Decision
        {
            Kind = enforced,
            WouldBe = kind,
            Simulated = tenantShadow,
            EvaluateOnly = request.Simulate,
            Descriptor = descriptor,
            Explanation = explanation,
            Approvers = approvers,
            ApprovalsRequired = approvalsRequired,
            WarrantTtl = warrantTtl,
            Degrade = tenantShadow ? null : degrade,
            WarrantedKind = warranted,
            WarrantedDegrade = warranted == DecisionKind.Degrade ? degradeSpec : null,
        };
    }

    private static DecisionKind EffectOf(RuleEffect effect) => effect switch
    {
        RuleEffect.Allow => DecisionKind.Allow,
        RuleEffect.Degrade => DecisionKind.Degrade,
        RuleEffect.RequireApproval => DecisionKind.RequireApproval,
        _ => DecisionKind.Block,
    };

    private static DecisionKind Tighten(DecisionKind current, DecisionKind effect) => Rank(effect) > Rank(current) ? effect : current;

    private static IEnumerable<string> MissingNames(RequiredFields missing)
    {
        foreach (var field in new[] { RequiredFields.Provenance, RequiredFields.Targets, RequiredFields.DataClasses, RequiredFields.Args })
        {
            if ((missing & field) != 0)
            {
                yield return WireNames.Of(field);
            }
        }
    }

    /// <summary>Strictness order: allow = allow_and_log &lt; degrade &lt; require_approval &lt; block &lt; block_and_open_incident.</summary>
    internal static int Rank(DecisionKind kind) => kind switch
    {
        DecisionKind.Allow or DecisionKind.AllowAndLog => 0,
        DecisionKind.Degrade => 1,
        DecisionKind.RequireApproval => 2,
        DecisionKind.Block => 3,
        _ => 4,
    };
}
