using System.Collections.Concurrent;
using Gateway.Oversight.Register;

namespace Gateway.Oversight.Tests.Infrastructure;

/// <summary>
/// The tenants' registers the admin API consults, held in memory for tests (the gateway reads them
/// from the policy bundle). Tenants are added by each test; an unknown tenant knows nobody.
/// </summary>
internal sealed class TestRegister : IRegisterDirectory
{
    private readonly ConcurrentDictionary<string, Tenant> _tenants = new(StringComparer.Ordinal);

    /// <summary>Adds (or replaces) a tenant with its approvers, agents and agent owners.</summary>
    public TestRegister Add(string tenant, IReadOnlyList<string> approvers, IReadOnlyList<string>? agents = null, IReadOnlyDictionary<string, string>? owners = null)
    {
        _tenants[tenant] = new Tenant(approvers, agents ?? ["agent-1"], owners ?? new Dictionary<string, string>());
        return this;
    }

    public bool HasTenant(string tenant) => _tenants.ContainsKey(tenant);

    public bool HasAgent(string tenant, string agent) => _tenants.TryGetValue(tenant, out var t) && t.Agents.Contains(agent);

    public bool IsApprover(string tenant, string person) => _tenants.TryGetValue(tenant, out var t) && t.Approvers.Contains(person);

    public bool OwnsAgent(string tenant, string agent, string person) =>
        _tenants.TryGetValue(tenant, out var t) && t.Owners.TryGetValue(agent, out var owner) && owner == person;

    private sealed record Tenant(IReadOnlyList<string> Approvers, IReadOnlyList<string> Agents, IReadOnlyDictionary<string, string> Owners);
}
