namespace Gateway.Proxy.People.Links;

/// <summary>
/// A single-use permission to link one person's account to one connector of one tenant, made when a call is refused for a
/// missing link and named by the link URL; taken (once) when the person starts the link, refused after its lifetime.
/// </summary>
internal sealed record LinkGrant(string Tenant, string PersonIssuer, string PersonSubject, string Connector, DateTimeOffset ExpiresAt);

/// <summary>
/// One link under way, kept in the state store under its <c>state</c>'s hash until the callback takes it (once), with the
/// connector's settings it was started under (<see cref="Binding"/>: a callback under other settings links nothing).
/// </summary>
internal sealed record LinkFlowState(
    string Tenant,
    string PersonIssuer,
    string PersonSubject,
    string Connector,
    string CodeVerifier,
    string Nonce,
    string RedirectUri,
    string ClientId,
    LinkBinding? Binding = null);

/// <summary>An OAuth token endpoint's answer (RFC 6749 §5.1), with the OpenID Connect ID token when there is one.</summary>
internal sealed record UpstreamTokenResponse
{
    public string? AccessToken { get; init; }

    public string? TokenType { get; init; }

    public long? ExpiresIn { get; init; }

    public string? RefreshToken { get; init; }

    public string? Scope { get; init; }

    public string? IdToken { get; init; }

    /// <summary>Never a token.</summary>
    public override string ToString() => "UpstreamTokenResponse";
}

/// <summary>The client the gateway registered at an upstream authorization server (RFC 7591), kept per tenant and connector.</summary>
internal sealed record RegisteredClient(string ClientId, string? ClientSecret, string RedirectUri)
{
    /// <summary>Never the secret.</summary>
    public override string ToString() => $"RegisteredClient {{ ClientId = {ClientId} }}";
}
