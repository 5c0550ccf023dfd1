namespace Gamut.Agent.Upstream;

/// <summary>What <see cref="GatewayDecisionTokenVerifier"/> found a decision token to be.</summary>
public enum DecisionTokenStatus
{
    /// <summary>Valid offline and, per the gateway (or its answer cached for at most a few seconds), not revoked: the executor may act.</summary>
    Live,

    /// <summary>Signed by the gateway but revoked since (agent or tenant revoked, policy changed, approval revoked, evaluation token used, not recorded).</summary>
    Revoked,

    /// <summary>Past its expiry (with the clock skew).</summary>
    Expired,

    /// <summary>Not a token this executor may act on: malformed, bad signature, wrong tenant, tool or intent, not an allow-family decision.</summary>
    Invalid,

    /// <summary>The gateway could not answer (unreachable, timeout, 5xx, refused credential, unexpected answer): do not act (fail closed).</summary>
    Unavailable,
}
