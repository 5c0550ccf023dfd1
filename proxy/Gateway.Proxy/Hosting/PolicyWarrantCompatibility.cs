using Gateway.Oversight.Approvals;
using Gateway.Proxy.Bundle;

namespace Gateway.Proxy.Hosting;

/// <summary>
/// A warrant approved under an earlier policy stays good when the tenant's policy in force lists that
/// policy's digest under <c>compatible_with</c> (the author marked the change compatible); otherwise only
/// the very policy it was approved under accepts it.
/// </summary>
internal sealed class PolicyWarrantCompatibility : IWarrantCompatibility
{
    private readonly PolicyProvider _policy;

    public PolicyWarrantCompatibility(PolicyProvider policy) => _policy = policy;

    public bool IsCompatible(string tenant, string approvedPolicyDigest, string currentPolicyDigest)
    {
        if (string.Equals(approvedPolicyDigest, currentPolicyDigest, StringComparison.Ordinal))
        {
            return true;
        }

        return _policy.Current is { } snapshot
            && snapshot.Set.TryGetTenant(tenant, out var policy)
            && policy is not null
            && string.Equals(policy.Digest, currentPolicyDigest, StringComparison.Ordinal)
            && policy.AcceptsWarrantsFrom(approvedPolicyDigest);
    }
}
