using Gateway.Oversight.Register;
using Gateway.Proxy.Bundle;

namespace Gateway.Proxy.Hosting;

/// <summary>Answers the admin API's register questions from the policy snapshot in force (nothing is known before the first load).</summary>
internal sealed class PolicyRegisterDirectory : IRegisterDirectory
{
    private readonly PolicyProvider _policy;

    public PolicyRegisterDirectory(PolicyProvider policy) => _policy = policy;

    public bool HasTenant(string tenant) => Tenant(tenant) is not null;

    public bool HasAgent(string tenant, string agent) => Tenant(tenant)?.TryGetAgent(agent, out _) ?? false;

    /// <summary>Listed under the tenant's <c>approvers</c>, or an agent's <c>security_owner</c> (whom the decision names when no gate or rule does).</summary>
    public bool IsApprover(string tenant, string person) =>
        Tenant(tenant) is { } policy
        && (policy.TryGetApprover(person, out _) || policy.Register.Agents.Any(a => string.Equals(a.SecurityOwner, person, StringComparison.Ordinal)));

    public bool OwnsAgent(string tenant, string agent, string person) =>
        Tenant(tenant) is { } policy && policy.TryGetAgent(agent, out var record)
        && string.Equals(record!.HumanOwner, person, StringComparison.Ordinal);

    private Gateway.Policy.TenantPolicy? Tenant(string tenant) =>
        _policy.Current is { } snapshot && snapshot.Set.TryGetTenant(tenant, out var policy) ? policy : null;
}
