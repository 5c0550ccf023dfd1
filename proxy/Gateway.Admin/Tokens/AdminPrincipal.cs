namespace Gateway.Admin.Tokens;

/// <summary>
/// Who called the admin API: the token's name and roles, the tenant it is confined to (null: the
/// operator, every tenant), the person it is bound to, and who minted it.
/// </summary>
public sealed record AdminPrincipal(string Name, IReadOnlyList<string> Roles)
{
    /// <summary>The one tenant this token may act in; null for an operator token (every tenant).</summary>
    public string? Tenant { get; init; }

    /// <summary>The person of the tenant's register this token speaks for (required for approvers).</summary>
    public string? Person { get; init; }

    /// <summary>The minter that counts in approvals (<see cref="MintsAs"/> of the issuer); null for configured or seeded tokens.</summary>
    public string? IssuedBy { get; init; }

    /// <summary>
    /// Whom the tokens this token mints record as their minter: the accountable root of its minting chain. A token an
    /// operator token minted (or a seeded one, or an operator token) mints as its own name; a token a tenant-confined token
    /// minted mints as that token did, so every token minted under one tenant admin counts as that admin. A bound person
    /// never changes it.
    /// </summary>
    public string MintsAs => InheritedMinter ?? Name;

    /// <summary>
    /// The minter this token's approvals count under: for a token that may mint (<see cref="AdminRoles.Admin"/>),
    /// <see cref="MintsAs"/>, so that its vote and those of the tokens it mints count as one; else who minted it, or the
    /// token's own accountable identity when it was configured or seeded.
    /// </summary>
    public string VotesAs => Roles.Contains(AdminRoles.Admin, StringComparer.Ordinal) ? MintsAs : IssuedBy ?? AccountableAs;

    /// <summary>The minter this token inherited from the tenant-confined token that minted it (<see cref="AdminTokenRecord.InheritedMinter"/>).</summary>
    public string? InheritedMinter { get; init; }

    /// <summary>The identity an action is attributed to: the bound person, else the token's name.</summary>
    public string AccountableAs => Person ?? Name;

    public bool IsInAnyRole(IEnumerable<string> roles) => roles.Any(r => Roles.Contains(r, StringComparer.Ordinal));

    /// <summary>True when the token may act in <paramref name="tenant"/>.</summary>
    public bool MayActIn(string tenant) => Tenant is null || string.Equals(Tenant, tenant, StringComparison.Ordinal);
}
