namespace Gateway.Admin.Tokens;

/// <summary>
/// What a new token is for: its unique name, roles, the tenant it is confined to (required for
/// approvers; null for an operator token) and the register person it speaks for (required for approvers).
/// </summary>
public sealed record AdminTokenSpec(string Name, IReadOnlyList<string> Roles)
{
    public string? Tenant { get; init; }

    public string? Person { get; init; }
}
