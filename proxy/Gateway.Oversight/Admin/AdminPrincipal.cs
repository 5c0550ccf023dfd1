namespace Gateway.Oversight.Admin;

/// <summary>Who called the admin API: the token's name and roles.</summary>
public sealed record AdminPrincipal(string Name, IReadOnlyList<string> Roles)
{
    public bool IsInAnyRole(IEnumerable<string> roles) => roles.Any(r => Roles.Contains(r, StringComparer.Ordinal));
}
