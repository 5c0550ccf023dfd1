namespace Gateway.Oversight.Approvals;

/// <summary>Stable reason codes for refused approval actions.</summary>
public static class ApprovalErrorCodes
{
    public const string NotFound = "approval_not_found";
    public const string NotAnApprover = "approval_not_an_approver";
    public const string NotPending = "approval_not_pending";
    public const string Expired = "approval_expired";

    /// <summary>Only an approved request can be revoked (a pending one is denied).</summary>
    public const string NotApproved = "approval_not_approved";

    /// <summary>
    /// The approval was already carried out: its warrant was used before the revocation took it, so the action went ahead
    /// (the decision tokens issued under it are void all the same).
    /// </summary>
    public const string AlreadyUsed = "approval_already_used";

    /// <summary>
    /// The approver owns the registered agent at the root of the request's actor chain (the agent itself, or the agent that
    /// issued the child or grandchild that asks), or is the person the request acts for (four eyes: nobody approves their
    /// own agent's action, nor their own).
    /// </summary>
    public const string OwnRequest = "approval_own_request";

    /// <summary>
    /// Who asked cannot be established (no actor chain, and an agent the register does not list), so nobody can be shown
    /// not to own it: refused, fail closed.
    /// </summary>
    public const string RequesterUnknown = "approval_requester_unknown";
}
