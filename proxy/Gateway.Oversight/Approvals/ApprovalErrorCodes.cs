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

    /// <summary>The approver owns the agent whose request it is (four eyes: nobody approves their own agent's action).</summary>
    public const string OwnRequest = "approval_own_request";
}
