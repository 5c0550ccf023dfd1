using Gateway.Oversight.Register;
using Gateway.Proxy.Bundle;
using Gateway.Proxy.Console;
using Microsoft.Extensions.Options;

namespace Gateway.Proxy.Hosting;

/// <summary>
/// Answers the admin API's register questions from the policy snapshot in force (nothing is known before the first load),
/// and how a tenant names people from the console's <c>PersonClaim</c>.
/// </summary>
internal sealed class PolicyRegisterDirectory : IRegisterDirectory, IRegisterPersonClaim
{
    private readonly PolicyProvider _policy;
    private readonly ConsoleOptions _console;

    public PolicyRegisterDirectory(PolicyProvider policy, IOptions<ConsoleOptions> console)
    {
        _policy = policy;
        _console = console.Value;
    }

    public bool HasTenant(string tenant) => Tenant(tenant) is not null;

    public bool HasAgent(string tenant, string agent) => Tenant(tenant)?.TryGetAgent(agent, out _) ?? false;

    /// <summary>Listed under the tenant's <c>approvers</c>, or an agent's <c>security_owner</c> (whom the decision names when no gate or rule does).</summary>
    public bool IsApprover(string tenant, string person) =>
        Tenant(tenant) is { } policy
        && (policy.TryGetApprover(person, out _) || policy.Register.Agents.Any(a => string.Equals(a.SecurityOwner, person, StringComparison.Ordinal)));

    /// <summary>
    /// The agent's <c>human_owner</c> names <paramref name="person"/>, ignoring case: the bundle's owner is free text
    /// (<c>Dana</c>, <c>dana@example.com</c>) written by hand, and an owner must never pass for someone else by its case.
    /// </summary>
    public bool OwnsAgent(string tenant, string agent, string person) =>
        Tenant(tenant) is { } policy && policy.TryGetAgent(agent, out var record)
        && string.Equals(record!.HumanOwner, person, StringComparison.OrdinalIgnoreCase);

    public bool NamesPeopleBySubject(string tenant) =>
        !_console.Tenants.TryGetValue(tenant, out var console) || string.Equals(console.PersonClaim, "sub", StringComparison.Ordinal);

    private Gateway.Policy.TenantPolicy? Tenant(string tenant) =>
        _policy.Current is { } snapshot && snapshot.Set.TryGetTenant(tenant, out var policy) ? policy : null;
}
