namespace Gateway.Oversight.Approvals;

/// <summary>
/// Who approves or denies: the register person the token speaks for, and the accountable identity of
/// whoever minted that token. A request counts distinct persons <b>and</b> distinct minters, so the
/// tokens one admin minted can never add up to more than one approval.
/// </summary>
/// <param name="Person">The approver, as named in the tenant's register and on the request.</param>
/// <param name="IssuedBy">Who minted the token; the person's own identity when the token was seeded or configured.</param>
public sealed record ApprovalVoter(string Person, string IssuedBy)
{
    /// <summary>
    /// The credential the vote is cast with, kept with the vote (<see cref="IVotingCredentials"/>: the vote stops counting once it
    /// is revoked); null when the caller has none the gateway can revoke, and in a vote kept before credentials were (it counts as it did).
    /// </summary>
    public string? Credential { get; init; }
}
