using Microsoft.Extensions.Options;

namespace Gateway.Proxy.Console;

/// <summary>
/// The console roles a person's provider groups give in a tenant, read from the CURRENT configuration
/// (<c>Gateway:Console:Tenants:&lt;tenant&gt;:Roles</c>, through <see cref="IOptionsMonitor{TOptions}"/>): at sign-in, and again
/// on every request of a signed-in session (the session keeps the groups, not the roles), so a mapping removed from the
/// configuration takes effect at once.
/// </summary>
internal sealed class ConsoleRoleMap
{
    private readonly IOptionsMonitor<ConsoleOptions> _options;

    public ConsoleRoleMap(IOptionsMonitor<ConsoleOptions> options) => _options = options;

    /// <summary>The roles <paramref name="groups"/> give in <paramref name="tenant"/> now (none for a tenant the console no longer serves).</summary>
    public IReadOnlyList<string> RolesOf(string tenant, IReadOnlyCollection<string> groups) =>
        _options.CurrentValue.Tenants.TryGetValue(tenant, out var tenantOptions)
            ? [.. ConsoleRoles.All.Where(role => tenantOptions.Roles.TryGetValue(role, out var given) && given.Any(groups.Contains))]
            : [];
}
