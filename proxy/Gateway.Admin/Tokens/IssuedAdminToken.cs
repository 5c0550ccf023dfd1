namespace Gateway.Admin.Tokens;

/// <summary>A newly issued token. <see cref="Token"/> is shown once and never stored.</summary>
public sealed record IssuedAdminToken(string Name, IReadOnlyList<string> Roles, string Token, DateTimeOffset CreatedAt)
{
    public string? Tenant { get; init; }

    public string? Person { get; init; }

    public string? IssuedBy { get; init; }

    /// <summary>The name of the token that minted it (<see cref="AdminTokenRecord.MintedBy"/>).</summary>
    public string? MintedBy { get; init; }
}
