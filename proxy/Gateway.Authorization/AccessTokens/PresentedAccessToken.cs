using Gateway.Policy;

namespace Gateway.Authorization.AccessTokens;

/// <summary>
/// An access token presented on a request, as <see cref="AccessTokenVerifier"/> found it: the agent, the request's
/// nonce and timestamp (a DPoP proof's <c>jti</c> hash and <c>iat</c>; a fresh random nonce and the gateway's clock for
/// a bearer token), or the refusal's code and detail.
/// </summary>
public sealed record PresentedAccessToken(AuthenticatedCaller? Subject, string Nonce, long Timestamp, string Code, string Detail)
{
    /// <summary>The fingerprint of the agent secret that obtained the token: the Admit stage refuses it once that secret is retired.</summary>
    public string? SecretFingerprint { get; init; }

    /// <summary>The person a token of the authorization-code grant acts for; null for an agent's own token.</summary>
    public TokenPerson? Person { get; init; }

    public static PresentedAccessToken Refused(string code, string detail) => new(null, string.Empty, 0, code, detail);
}
