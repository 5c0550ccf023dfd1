namespace Gateway.Oversight.Register;

/// <summary>
/// What the admin API needs to know of the tenants' registers (the policy bundle): which tenants and
/// agents exist, which persons are a tenant's approvers, and who owns an agent. The host implements it
/// over the policy in force; every answer is false while no policy is loaded (fail closed).
/// </summary>
public interface IRegisterDirectory
{
    /// <summary>True when the tenant is in the policy in force.</summary>
    bool HasTenant(string tenant);

    /// <summary>True when the agent is registered in the tenant.</summary>
    bool HasAgent(string tenant, string agent);

    /// <summary>True when <paramref name="person"/> may approve in the tenant: listed under its <c>approvers</c> (or an agent's <c>security_owner</c>, whom decisions name as a fallback approver).</summary>
    bool IsApprover(string tenant, string person);

    /// <summary>True when <paramref name="person"/> is the agent's <c>human_owner</c> (who may not approve the agent's own requests).</summary>
    bool OwnsAgent(string tenant, string agent, string person);
}
