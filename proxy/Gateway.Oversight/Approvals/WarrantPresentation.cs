namespace Gateway.Oversight.Approvals;

/// <summary>
/// A warrant presented with a retried request, and what the request is now: the caller's tenant and
/// agent, the intent digest of the action, and the digest of the policy in force.
/// </summary>
public sealed record WarrantPresentation(string Tenant, string Agent, string IntentDigest, string PolicyDigest, string Warrant);
