namespace Gamut.Agent.Upstream;

/// <summary>The outcome of <see cref="GatewayDecisionTokenVerifier.VerifyAsync"/>: act only when <see cref="IsLive"/>.</summary>
/// <param name="Status">Live, revoked, expired, invalid or unavailable.</param>
/// <param name="Reason">
/// Null when live. Otherwise a stable snake_case code: for invalid and expired, the offline check's
/// <see cref="DecisionTokenVerification.Reason"/> (<c>bad_signature</c>, <c>wrong_tool</c>, <c>expired</c>, ...) or the gateway's
/// (<c>malformed</c>, <c>signature_invalid</c>); for revoked, the gateway's (<c>agent_revoked</c>, <c>tenant_revoked</c>,
/// <c>policy_changed</c>, <c>approval_revoked</c>, <c>used</c>, <c>not_recorded</c>); for unavailable, <c>gateway_unreachable</c>,
/// <c>timeout</c>, <c>gateway_error</c> (5xx), <c>credential_refused</c> (401/403: the executor credential is missing, unknown,
/// lacks the <c>executor</c> role or is confined to another tenant) or <c>unexpected_answer</c> (also a redirect).
/// </param>
/// <param name="Claims">The token's claims when its signature verified offline (live, revoked, and expired or invalid per the gateway); null otherwise.</param>
public sealed record GatewayDecisionTokenVerification(DecisionTokenStatus Status, string? Reason, DecisionTokenPayload? Claims)
{
    /// <summary>True only for <see cref="DecisionTokenStatus.Live"/>.</summary>
    public bool IsLive => Status == DecisionTokenStatus.Live;
}
