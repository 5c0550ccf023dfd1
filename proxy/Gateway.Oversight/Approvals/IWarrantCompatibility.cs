namespace Gateway.Oversight.Approvals;

/// <summary>
/// Says whether a warrant approved under one policy digest may be redeemed under another. The
/// default (<see cref="EqualPolicyDigestsOnly"/>) accepts equal digests only; a host that lets a bundle
/// mark a change as compatible registers its own.
/// </summary>
public interface IWarrantCompatibility
{
    bool IsCompatible(string tenant, string approvedPolicyDigest, string currentPolicyDigest);
}
