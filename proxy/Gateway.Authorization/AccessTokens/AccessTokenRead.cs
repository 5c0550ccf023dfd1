using Gateway.Policy;

namespace Gateway.Authorization.AccessTokens;

/// <summary>What <see cref="AccessTokenFormat.Read"/> found: the subject and DPoP binding, or the problem (expired or invalid).</summary>
public sealed record AccessTokenRead(AuthenticatedCaller? Subject, string? Thumbprint, bool Expired, string? Problem)
{
    /// <summary>The fingerprint of the agent secret that obtained the token (<c>sfp</c>); null for a token issued before it was carried.</summary>
    public string? SecretFingerprint { get; init; }

    /// <summary>The person a token of the authorization-code grant acts for; null for an agent's own token.</summary>
    public TokenPerson? Person { get; init; }

    public static AccessTokenRead Refused(bool expired, string problem) => new(null, null, expired, problem);
}
