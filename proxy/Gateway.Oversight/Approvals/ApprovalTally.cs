namespace Gateway.Oversight.Approvals;

/// <summary>
/// The votes of a request: the distinct approving persons, the number of distinct minters of their tokens, and each
/// vote as the person who cast it, the minter of the token it was cast with and that credential (<see cref="Votes"/>), so
/// that only the minters behind the votes still counted are counted.
/// </summary>
/// <param name="Persons">The distinct approving persons.</param>
/// <param name="Issuers">The distinct minters of every vote's token, whoever cast it.</param>
public sealed record ApprovalTally(IReadOnlyList<string> Persons, int Issuers)
{
    /// <summary>
    /// Each distinct (person, minter, credential) vote. A person of <see cref="Persons"/> without one voted before votes were kept
    /// paired (an approval opened before an upgrade): the minter of that vote is among <see cref="Issuers"/> only. A vote
    /// without a <see cref="ApprovalVoter.Credential"/> was cast with none the gateway can revoke, or before credentials were kept.
    /// </summary>
    public IReadOnlyList<ApprovalVoter> Votes { get; init; } = [];
}
