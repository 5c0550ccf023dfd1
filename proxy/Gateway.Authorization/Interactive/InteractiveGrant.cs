namespace Gateway.Authorization.Interactive;

/// <summary>
/// What an authorization code or a refresh token stands for: the person (subject, issuer, groups at sign-in), the agent
/// they act through, the client, the redirect URI and PKCE challenge the code was bound to, the resource, and the token
/// family (one consent's codes and refresh tokens; revoking it ends them all) with the instant it ends.
/// </summary>
public sealed record InteractiveGrant(
    string Tenant,
    string Workspace,
    string Agent,
    string ClientId,
    string Subject,
    string Issuer,
    IReadOnlyList<string> Groups,
    string Resource,
    string Family,
    DateTimeOffset FamilyEnds)
{
    /// <summary>The redirect URI the code was issued to (the token request must name it again); empty for a refresh token.</summary>
    public string RedirectUri { get; init; } = string.Empty;

    /// <summary>The PKCE challenge the code was issued under; empty for a refresh token.</summary>
    public string CodeChallenge { get; init; } = string.Empty;

    /// <summary>
    /// For a refresh token obtained with a DPoP proof: the JWK thumbprint of that key (RFC 9449 §5: a public client's
    /// refresh token is bound to it; each refresh must prove it again). Null when not bound.
    /// </summary>
    public string? Jkt { get; init; }

    /// <summary>The scopes the person consented to (the agent's declared scopes the client asked for); empty for none.</summary>
    public IReadOnlyList<string> Scopes { get; init; } = [];

    /// <summary>
    /// When the person gave the consent that started the family (the agent's <c>max_session</c>, as the bundle says at
    /// each refresh, counts from it). Null in grants kept by earlier versions: the consent's own time is read then.
    /// </summary>
    public DateTimeOffset? ConsentGranted { get; init; }

    /// <summary>The person's id in the tenant's register, when the tenant names people by another claim than their subject.</summary>
    public string? RegisterId { get; init; }
}
