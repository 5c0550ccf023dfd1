namespace Gateway.Oversight.Approvals;

/// <summary>The votes of a request: the distinct approving persons and the number of distinct minters of their tokens.</summary>
public sealed record ApprovalTally(IReadOnlyList<string> Persons, int Issuers);
