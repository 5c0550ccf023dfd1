namespace Gateway.Proxy.Console;

/// <summary>
/// A signed-in person's console session, kept in the shared state store (any replica serves it) under its id's hash:
/// the tenant it is confined to, the provider's subject, issuer and session id, the register's person id, the groups and
/// roles, and the per-session CSRF token every state-changing form must carry.
/// </summary>
internal sealed record ConsoleSession
{
    public required string Tenant { get; init; }

    public required string Subject { get; init; }

    public required string Issuer { get; init; }

    public required string Person { get; init; }

    public required IReadOnlyList<string> Roles { get; init; }

    /// <summary>
    /// The provider's groups (the tenant's <c>groups_claim</c>) at sign-in; the roles are computed from them again on
    /// every request (<see cref="ConsoleRoleMap"/>). Null for a session started with an admin token (its roles are the token's).
    /// </summary>
    public IReadOnlyList<string>? Groups { get; init; }

    /// <summary>The ID token's <c>sid</c> (the provider's session), which a back-channel logout token may name; null when it had none.</summary>
    public string? Sid { get; init; }

    public required string Csrf { get; init; }

    public required DateTimeOffset ExpiresAt { get; init; }

    /// <summary>
    /// When the session last answered a request (written at most once a minute): it ends <see cref="ConsoleOptions.IdleTimeout"/>
    /// after this; null in a session an earlier version started (its idle clock starts at its first read, which writes it).
    /// </summary>
    public DateTimeOffset? LastSeenAt { get; init; }

    /// <summary>
    /// The provider's ID token, sealed under the session's cookie (<see cref="ConsoleIdTokenHint"/>), for the
    /// <c>id_token_hint</c> of sign-out at the provider; null for a session started with an admin token.
    /// </summary>
    public string? IdTokenHint { get; init; }

    /// <summary>
    /// For a session started with an admin token (Development only): who minted that token, so that the tokens one
    /// admin minted still count as one approval; null for a person signed in at the provider (they count as themselves).
    /// </summary>
    public string? IssuedBy { get; init; }

    /// <summary>
    /// For a session started with an admin token: the token's SHA-256 (as the admin token store keys it), so that revoking
    /// the token ends the session on its next request; null for a person signed in at the provider.
    /// </summary>
    public string? AdminToken { get; init; }

    public bool Has(string role) => Roles.Contains(role, StringComparer.Ordinal);

    public bool HasAny(IReadOnlyList<string> roles) => roles.Any(Has);

    /// <summary>The actor written to the audit journal: <c>console:&lt;person&gt;</c>.</summary>
    public string Actor => "console:" + Person;
}
