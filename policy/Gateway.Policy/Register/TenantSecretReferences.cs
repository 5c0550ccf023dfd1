using Gateway.Policy.Bundles;

namespace Gateway.Policy;

/// <summary>Every secret reference one tenant's register names, each with where it is written.</summary>
public static class TenantSecretReferences
{
    /// <summary>
    /// The references of <paramref name="register"/>: its agents' secrets and next secrets, its catalog entries'
    /// credentials and person clients' secrets, and its OpenID provider's client secret.
    /// </summary>
    public static IEnumerable<(string Where, SecretReference Reference)> Of(TenantRegister register)
    {
        ArgumentNullException.ThrowIfNull(register);
        foreach (var agent in register.Agents)
        {
            if (agent.Secret is { } secret)
            {
                yield return ($"agent '{agent.Id}' secret", secret);
            }

            if (agent.NextSecret is { } next)
            {
                yield return ($"agent '{agent.Id}' next_secret", next);
            }
        }

        foreach (var entry in register.Catalog)
        {
            if (entry.Credential is { } credential)
            {
                yield return ($"catalog entry '{entry.Name}' credential", credential);
            }

            if (entry.Person?.Client?.Secret is { } clientSecret)
            {
                yield return ($"catalog entry '{entry.Name}' person client secret", clientSecret);
            }
        }

        if (register.OpenIdProvider?.ClientSecret is { } providerSecret)
        {
            yield return ("openid_provider client_secret", providerSecret);
        }
    }

    /// <summary>
    /// The beginning every <c>env:</c> variable of <paramref name="tenant"/> has where variables are the tenants'
    /// (<c>Gateway:Credentials:EnvironmentPerTenant</c>): the slug in capitals, '-' as '_', then <c>__</c> (acme-eu: <c>ACME_EU__</c>).
    /// </summary>
    public static string EnvironmentPrefix(string tenant)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        return tenant.ToUpperInvariant().Replace('-', '_') + "__";
    }

    /// <summary>
    /// The tenant among <paramref name="tenants"/> whose <c>env:</c> variable <paramref name="variable"/> is: the one with the
    /// longest <see cref="EnvironmentPrefix"/> it begins with; null when none (acme's <c>ACME__KEY</c>; acme--x's <c>ACME__X__KEY</c>, which begins with acme's too).
    /// </summary>
    public static string? EnvironmentOwner(IEnumerable<string> tenants, string variable)
    {
        ArgumentNullException.ThrowIfNull(tenants);
        ArgumentNullException.ThrowIfNull(variable);
        return tenants
            .Where(tenant => variable.StartsWith(EnvironmentPrefix(tenant), StringComparison.Ordinal))
            .MaxBy(tenant => tenant.Length);
    }

    /// <summary>
    /// Where variables are the tenants' (<c>Gateway:Credentials:EnvironmentPerTenant</c>), the refusals of <paramref name="set"/>
    /// (<c>credential_env_confined</c>): each <c>env:</c> reference whose variable is not its own tenant's.
    /// </summary>
    public static List<BundleError> EnvironmentConfinementErrors(PolicySet set)
    {
        ArgumentNullException.ThrowIfNull(set);
        var slugs = set.Tenants.Keys.ToArray();
        return [.. from tenant in set.Tenants.Values
                   from written in Of(tenant.Register)
                   where written.Reference.Source == SecretSource.Environment && EnvironmentOwner(slugs, written.Reference.Name) != tenant.Slug
                   select new BundleError(tenant.SourceFile ?? tenant.Slug, 0, 0, "credential_env_confined",
                       $"{written.Where} 'env:{written.Reference.Name}' is not one of tenant '{tenant.Slug}''s variables: they begin {EnvironmentPrefix(tenant.Slug)} (Gateway:Credentials:EnvironmentPerTenant)")];
    }
}
