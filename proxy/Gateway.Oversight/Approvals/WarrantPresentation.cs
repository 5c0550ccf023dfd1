namespace Gateway.Oversight.Approvals;

/// <summary>
/// A warrant presented with a retried request, and what the request is now: the caller's tenant and
/// agent, the intent digest of the action, and the digest of the policy in force.
/// </summary>
public sealed record WarrantPresentation(string Tenant, string Agent, string IntentDigest, string PolicyDigest, string Warrant)
{
    /// <summary>The tenant's and agent's token generations the request's admission read (null: read from the store).</summary>
    public (long Tenant, long Agent)? Generations { get; init; }

    /// <summary>The registered agent whose token generation applies (a delegated child's agent); null: <see cref="Agent"/>.</summary>
    public string? RegisteredAgent { get; init; }

    /// <summary>
    /// The approval obligation the request now meets (<see cref="ApprovalObligation.Of(Gateway.Policy.Decision)"/>): the warrant is
    /// redeemed only when the approval it names <see cref="ApprovalObligation.Covers"/> it. Null: not checked (a caller with no
    /// decision; the gateway always passes it).
    /// </summary>
    public ApprovalObligation? Obligation { get; init; }
}
