namespace Gateway.Admin.Tokens;

/// <summary>What an <see cref="IAdminTokenStore"/> keeps of a token, beside its SHA-256: never the token itself.</summary>
public sealed record AdminTokenRecord
{
    public required string Name { get; init; }

    public required IReadOnlyList<string> Roles { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>The tenant the token is confined to; null for an operator token.</summary>
    public string? Tenant { get; init; }

    /// <summary>The register person the token is bound to.</summary>
    public string? Person { get; init; }

    /// <summary>The minter that counts in approvals: the accountable root of the chain that minted the token (<see cref="AdminPrincipal.MintsAs"/> of its issuer).</summary>
    public string? IssuedBy { get; init; }

    /// <summary>
    /// The minter this token inherited: on a token a tenant-confined token minted, its issuer's
    /// <see cref="AdminPrincipal.MintsAs"/>, which the tokens this one mints record in turn; null on every other token
    /// (and on those issued before it was kept), which mints as its own name.
    /// </summary>
    public string? InheritedMinter { get; init; }

    /// <summary>
    /// The name of the token that minted this one (its immediate minter, whatever <see cref="IssuedBy"/> counts); null on
    /// seeded tokens and on those issued before it was kept. Revoking a token revokes the tokens it minted, by this name.
    /// </summary>
    public string? MintedBy { get; init; }

    public bool Revoked { get; init; }

    public DateTimeOffset? RevokedAt { get; init; }
}
