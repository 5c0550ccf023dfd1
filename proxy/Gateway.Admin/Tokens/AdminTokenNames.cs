namespace Gateway.Admin.Tokens;

/// <summary>
/// Admin token names are per tenant: the same name may name a live token in each tenant, and once more among the
/// operator's tokens (confined to no tenant). A store binds a token to its <see cref="Scoped"/> name: the plain name for
/// an operator's token, <c>&lt;tenant&gt;/&lt;name&gt;</c> for a tenant's (<c>/</c> is in neither a tenant nor a name,
/// so no two scopes meet). Tokens issued before names were per tenant are bound to their plain name; they are still
/// found (<see cref="AdminTokenService"/>), as their own tenant's.
/// </summary>
public static class AdminTokenNames
{
    /// <summary>The name a store binds a token of <paramref name="tenant"/> (null: the operator's) to.</summary>
    public static string Scoped(string? tenant, string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        return tenant is null ? name : tenant + "/" + name;
    }
}
