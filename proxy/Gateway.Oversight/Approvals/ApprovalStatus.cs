namespace Gateway.Oversight.Approvals;

/// <summary>The states of an approval request, as spelled on the wire.</summary>
public static class ApprovalStatus
{
    public const string Pending = "pending";
    public const string Approved = "approved";
    public const string Denied = "denied";
    public const string Expired = "expired";
}
