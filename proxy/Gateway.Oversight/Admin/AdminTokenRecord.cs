namespace Gateway.Oversight.Admin;

/// <summary>What is stored for a token under <c>StoreKeys.AdminToken(sha256)</c>: never the token itself.</summary>
internal sealed record AdminTokenRecord
{
    public required string Name { get; init; }

    public required IReadOnlyList<string> Roles { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public bool Revoked { get; init; }

    public DateTimeOffset? RevokedAt { get; init; }
}
