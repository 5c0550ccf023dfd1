namespace Gateway.Authorization.AccessTokens;

/// <summary>The OAuth error codes the gateway answers with (RFC 6749 §5.2, RFC 6750 §3.1, RFC 8707 §2, RFC 9449 §5): stable, clients branch on them.</summary>
public static class OAuthErrors
{
    public const string InvalidRequest = "invalid_request";
    public const string InvalidClient = "invalid_client";
    public const string InvalidGrant = "invalid_grant";
    public const string UnsupportedGrantType = "unsupported_grant_type";
    public const string InvalidTarget = "invalid_target";
    public const string InvalidDpopProof = "invalid_dpop_proof";
    public const string TemporarilyUnavailable = "temporarily_unavailable";

    /// <summary>RFC 6750 §3.1: the token lacks a scope the request needs (a 403 whose challenge names the scope).</summary>
    public const string InsufficientScope = "insufficient_scope";
}
