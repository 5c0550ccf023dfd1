using Gateway.Policy.Tokens;

namespace Gateway.Oversight.Tokens;

/// <summary>
/// What a verification found (<see cref="DecisionTokenVerifier"/>): live, revoked, expired or invalid, why when not
/// live, and the token's payload whenever its signature verified (never for an invalid token).
/// </summary>
public sealed record DecisionTokenStatus(string Status, string? Reason, DecisionTokenPayload? Payload)
{
    public const string Live = "live";
    public const string Revoked = "revoked";
    public const string Expired = "expired";
    public const string Invalid = "invalid";

    /// <summary>The reasons a token is not live, as spelled on the wire.</summary>
    public static class Reasons
    {
        public const string TenantRevoked = "tenant_revoked";
        public const string AgentRevoked = "agent_revoked";
        public const string ApprovalRevoked = "approval_revoked";
        public const string DelegationRevoked = "delegation_revoked";
        public const string PolicyChanged = "policy_changed";
        public const string Used = "used";
        public const string NotRecorded = "not_recorded";
        public const string Expired = "expired";
    }

    public bool IsLive => Status == Live;
}
