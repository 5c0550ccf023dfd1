namespace Gateway.Oversight.Options;

/// <summary>Approval requests (<c>Gateway:Approvals</c>).</summary>
public sealed record ApprovalOptions
{
    /// <summary>How long a decided or expired request stays readable after its warrant would expire.</summary>
    public TimeSpan Retention { get; init; } = TimeSpan.FromDays(7);

    /// <summary>How many of the most recent requests the pending list examines (besides every request still open).</summary>
    public int ListWindow { get; init; } = 500;

    /// <summary>
    /// How many pending requests one registered agent (with the delegated children it issued) may have open at once; past it,
    /// a <c>require_approval</c> is refused (429 <c>approvals_open_limit</c>) until one is decided or expires.
    /// </summary>
    public int MaxOpenPerAgent { get; init; } = 50;

    /// <summary>The longest time a request may wait for approvers.</summary>
    public TimeSpan MaxRequestTtl { get; init; } = TimeSpan.FromDays(7);

    /// <summary>The longest warrant time-to-live a gate may ask for.</summary>
    public TimeSpan MaxWarrantTtl { get; init; } = TimeSpan.FromHours(24);
}
