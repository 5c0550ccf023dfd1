namespace Gateway.Oversight.Approvals;

/// <summary>Stable reason codes for a refused warrant.</summary>
public static class WarrantReasons
{
    public const string Malformed = "warrant_malformed";
    public const string BadSignature = "warrant_bad_signature";
    public const string Expired = "warrant_expired";
    public const string TenantMismatch = "warrant_tenant_mismatch";
    public const string AgentMismatch = "warrant_agent_mismatch";
    public const string IntentMismatch = "warrant_intent_mismatch";
    public const string AlreadyUsed = "warrant_already_used";
    public const string PolicyChanged = "warrant_policy_changed";

    /// <summary>The approval was revoked after it was granted.</summary>
    public const string Revoked = "warrant_revoked";

    /// <summary>No approved request of this tenant, for this agent, tool, intent and policy, is the warrant's <c>apr</c>.</summary>
    public const string UnknownApproval = "warrant_unknown_approval";

    /// <summary>
    /// The request now meets an approval obligation its approval was not given for (other approvers, more approvals, or
    /// another rule asking): it is held for a new approval (<see cref="ApprovalObligation.Covers"/>).
    /// </summary>
    public const string ObligationChanged = "warrant_obligation_changed";

    /// <summary>The warrant outlives what its approval allows: <c>exp</c> past the approval time plus the gate's warrant TTL.</summary>
    public const string LifetimeExceeded = "warrant_lifetime_exceeded";

    /// <summary>The tenant was suspended (its token generation raised) since the warrant was issued, as for a decision token.</summary>
    public const string TenantRevoked = Tokens.DecisionTokenStatus.Reasons.TenantRevoked;

    /// <summary>The agent was suspended, or its secret revoked, since the warrant was issued, as for a decision token.</summary>
    public const string AgentRevoked = Tokens.DecisionTokenStatus.Reasons.AgentRevoked;
}
