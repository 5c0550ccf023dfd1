namespace Gateway.Authorization.AccessTokens;

/// <summary>The OAuth error codes the token endpoint answers with (RFC 6749 §5.2, RFC 8707 §2, RFC 9449 §5): stable, clients branch on them.</summary>
public static class OAuthErrors
{
    public const string InvalidRequest = "invalid_request";
    public const string InvalidClient = "invalid_client";
    public const string InvalidGrant = "invalid_grant";
    public const string UnsupportedGrantType = "unsupported_grant_type";
    public const string InvalidTarget = "invalid_target";
    public const string InvalidDpopProof = "invalid_dpop_proof";
    public const string TemporarilyUnavailable = "temporarily_unavailable";
}
