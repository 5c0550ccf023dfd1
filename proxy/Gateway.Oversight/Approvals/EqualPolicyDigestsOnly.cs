namespace Gateway.Oversight.Approvals;

/// <summary>The default <see cref="IWarrantCompatibility"/>: a warrant is good only under the very policy it was approved under.</summary>
public sealed class EqualPolicyDigestsOnly : IWarrantCompatibility
{
    public bool IsCompatible(string tenant, string approvedPolicyDigest, string currentPolicyDigest) =>
        string.Equals(approvedPolicyDigest, currentPolicyDigest, StringComparison.Ordinal);
}
