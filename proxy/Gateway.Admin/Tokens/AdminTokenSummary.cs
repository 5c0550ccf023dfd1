namespace Gateway.Admin.Tokens;

/// <summary>One row of <c>GET /admin/v1/tokens</c>: what is known of a token, never the token or its hash.</summary>
public sealed record AdminTokenSummary(string Name, IReadOnlyList<string> Roles, DateTimeOffset CreatedAt, bool Revoked)
{
    public string? Tenant { get; init; }

    public string? Person { get; init; }

    public string? IssuedBy { get; init; }

    /// <summary>The name of the token that minted this one (<see cref="AdminTokenRecord.MintedBy"/>); null when not known.</summary>
    public string? MintedBy { get; init; }

    public DateTimeOffset? RevokedAt { get; init; }
}
