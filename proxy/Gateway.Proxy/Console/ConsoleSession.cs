namespace Gateway.Proxy.Console;

/// <summary>
/// A signed-in person's console session, kept in the shared state store (any replica serves it) under its id's hash:
/// the tenant it is confined to, the provider's subject and issuer, the register's person id, the roles, and the
/// per-session CSRF token every state-changing form must carry.
/// </summary>
internal sealed record ConsoleSession
{
    public required string Tenant { get; init; }

    public required string Subject { get; init; }

    public required string Issuer { get; init; }

    public required string Person { get; init; }

    public required IReadOnlyList<string> Roles { get; init; }

    public required string Csrf { get; init; }

    public required DateTimeOffset ExpiresAt { get; init; }

    public bool Has(string role) => Roles.Contains(role, StringComparer.Ordinal);

    public bool HasAny(IReadOnlyList<string> roles) => roles.Any(Has);

    /// <summary>The actor written to the audit journal: <c>console:&lt;person&gt;</c>.</summary>
    public string Actor => "console:" + Person;
}
