namespace Gateway.Oversight.Approvals;

/// <summary>An earlier approval that looks like the same action: why it matched, and whether its warrant was used.</summary>
public sealed record ApprovalPrecedent(ApprovalRequest Request, string Match, bool WarrantUsed);
