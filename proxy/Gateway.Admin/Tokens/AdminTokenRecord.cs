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

    /// <summary>The accountable identity of the token's minter.</summary>
    public string? IssuedBy { get; init; }

    public bool Revoked { get; init; }

    public DateTimeOffset? RevokedAt { get; init; }
}
