namespace Gateway.Policy;

/// <summary>Who approves a require_approval decision, and how many of them, for how long a warrant.</summary>
public sealed partial class DecisionEngine
{
    /// <summary>
    /// The approval a require_approval names. The matching gate's, unless a require_approval rule asks for more approvals;
    /// then that rule's, its warrant no longer-lived than the gate's; otherwise the agent's security owner, or every tenant
    /// approver. A gate or rule that matches only through the request's declared classes (the agent's own choice) never
    /// replaces one that matches without them: it names the approvers only where none does. Declaring a class can add an
    /// obligation, never pick who lifts it.
    /// </summary>
    private static (IReadOnlyList<string> Approvers, int Required, TimeSpan? WarrantTtl) Approval(
        TenantPolicy tenant, AgentIndex? agent, ActionDescriptor descriptor, ApprovalGate? gate, CustomRule? rule, CustomRule? declaredRule)
    {
        // A shorter warrant only tightens, so the matched gate's holds even where its approvers do not.
        TimeSpan? gateTtl = gate is not null && gate.WarrantTtl < ApprovalGate.DefaultWarrantTtl ? gate.WarrantTtl : null;
        var gateDeclared = gate is not null && Controls.MatchesOnlyThroughDeclaredClasses(gate, descriptor);
        if (gateDeclared && rule is not null)
        {
            gate = null;
        }

        if (rule is null && (gate is null || gateDeclared))
        {
            rule = declaredRule;
        }

        if (gate is not null && (rule is null || gate.ApprovalsRequired >= rule.ApprovalsRequired))
        {
            return (gate.Approvers, gate.ApprovalsRequired, gate.WarrantTtl);
        }

        return (rule?.Approvers ?? FallbackApprovers(tenant, agent), rule?.ApprovalsRequired ?? 1, gateTtl);
    }

    /// <summary>Whether <paramref name="rule"/> matches only through the request's declared classes (not on the catalog's own).</summary>
    private static bool MatchesOnlyThroughDeclaredClasses(CustomRule rule, ActionDescriptor descriptor, ActionRequest request, ref ActionDescriptor? onCatalogClasses)
    {
        var catalog = Controls.CatalogClasses(descriptor);
        if (catalog == descriptor.DataClasses)
        {
            return false;
        }

        onCatalogClasses ??= descriptor with { DataClasses = catalog };
        return !RuleMatcher.Matches(rule, onCatalogClasses, request);
    }

    private static IReadOnlyList<string> FallbackApprovers(TenantPolicy tenant, AgentIndex? agent)
    {
        if (agent?.Record.SecurityOwner is { Length: > 0 } owner)
        {
            return [owner];
        }

        return [.. tenant.Register.Approvers.Select(a => a.Id)];
    }
}
