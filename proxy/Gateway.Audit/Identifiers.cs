using System.Text.RegularExpressions;

namespace Gateway.Audit;

/// <summary>
/// Validation of the identifiers that end up in store keys, file names and URLs: tenants, agents,
/// people (approver and token names), approval ids and credential names.
/// </summary>
public static partial class Identifiers
{
    /// <summary>Tenant slugs and agent ids: a letter or digit, then letters, digits, <c>._-</c>; at most 128.</summary>
    public static bool IsValidTenant(string? value) => value is not null && TenantPattern().IsMatch(value);

    /// <summary>Agent ids follow the tenant rule and may also contain <c>:</c>.</summary>
    public static bool IsValidAgent(string? value) => value is not null && AgentPattern().IsMatch(value);

    /// <summary>Names of people and admin tokens: letters, digits, <c>._@-</c>; at most 64.</summary>
    public static bool IsValidName(string? value) => value is not null && NamePattern().IsMatch(value);

    /// <summary>Credential names: letters, digits, <c>._-</c>; at most 128.</summary>
    public static bool IsValidCredentialName(string? value) => value is not null && TenantPattern().IsMatch(value);

    public static void ThrowIfInvalidTenant(string tenant)
    {
        if (!IsValidTenant(tenant))
        {
            throw new ArgumentException("The tenant id is not a valid slug.", nameof(tenant));
        }
    }

    public static void ThrowIfInvalidAgent(string agent)
    {
        if (!IsValidAgent(agent))
        {
            throw new ArgumentException("The agent id is not valid.", nameof(agent));
        }
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,127}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex TenantPattern();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex AgentPattern();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();
}
