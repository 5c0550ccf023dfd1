using Gateway.Policy;

namespace Gateway.Oversight.Delegations;

/// <summary>The tenant's delegation settings in the policy in force, which bind the children already issued.</summary>
public interface IDelegationSettingsSource
{
    /// <summary>The tenant's delegation settings in the policy in force; null when no policy names the tenant.</summary>
    DelegationSettings? DelegationOf(string tenant);
}
