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

    /// <summary>The accountable identity of whoever minted this token (<see cref="AccountableAs"/> of the issuer); null for configured or seeded tokens.</summary>
    public string? IssuedBy { get; init; }

    /// <summary>The identity an action is attributed to: the bound person, else the token's name.</summary>
    public string AccountableAs => Person ?? Name;

    public bool IsInAnyRole(IEnumerable<string> roles) => roles.Any(r => Roles.Contains(r, StringComparer.Ordinal));

    /// <summary>True when the token may act in <paramref name="tenant"/>.</summary>
    public bool MayActIn(string tenant) => Tenant is null || string.Equals(Tenant, tenant, StringComparison.Ordinal);
}
