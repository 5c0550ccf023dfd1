namespace Gateway.Oversight.Approvals;

/// <summary>
/// Whether the credential a vote was cast with (<see cref="ApprovalVoter.Credential"/>: an admin token, say) is revoked now,
/// the host's answer, read each time votes are counted: a vote cast with a credential revoked since no longer counts.
/// </summary>
public interface IVotingCredentials
{
    /// <summary>True when <paramref name="credential"/> of <paramref name="tenant"/> is revoked now, or is not one the host knows (fail closed).</summary>
    ValueTask<bool> IsRevokedAsync(string tenant, string credential, CancellationToken cancellationToken = default);
}
