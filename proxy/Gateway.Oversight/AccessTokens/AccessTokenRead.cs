namespace Gateway.Oversight.AccessTokens;

/// <summary>What <see cref="AccessTokenFormat.Read"/> found: the subject and DPoP binding, or the problem (expired or invalid).</summary>
public sealed record AccessTokenRead(AccessTokenSubject? Subject, string? Thumbprint, bool Expired, string? Problem)
{
    public static AccessTokenRead Refused(bool expired, string problem) => new(null, null, expired, problem);
}
