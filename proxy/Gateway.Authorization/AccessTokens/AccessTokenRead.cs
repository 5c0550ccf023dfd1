using Gateway.Policy;

namespace Gateway.Authorization.AccessTokens;

/// <summary>What <see cref="AccessTokenFormat.Read"/> found: the subject and DPoP binding, or the problem (expired or invalid).</summary>
public sealed record AccessTokenRead(AuthenticatedCaller? Subject, string? Thumbprint, bool Expired, string? Problem)
{
    /// <summary>The fingerprint of the agent secret that obtained the token (<c>sfp</c>); null for a token issued before it was carried.</summary>
    public string? SecretFingerprint { get; init; }

    public static AccessTokenRead Refused(bool expired, string problem) => new(null, null, expired, problem);
}
