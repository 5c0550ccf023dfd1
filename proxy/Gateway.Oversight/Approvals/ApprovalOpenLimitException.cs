namespace Gateway.Oversight.Approvals;

/// <summary>
/// The registered agent already has <c>Gateway:Approvals:MaxOpenPerAgent</c> approvals open: the new one is not opened
/// (the agent's request is refused, 429 <c>approvals_open_limit</c>) until one of them is decided or expires.
/// </summary>
public sealed class ApprovalOpenLimitException : Exception
{
    public ApprovalOpenLimitException()
        : this("The agent has as many approval requests open as it may.")
    {
    }

    public ApprovalOpenLimitException(string message)
        : base(message)
    {
    }

    public ApprovalOpenLimitException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
