namespace Gateway.Oversight.Approvals;

/// <summary>
/// The body of <c>GET /v1/approvals/{id}</c> for the requesting agent: the state and, once approved,
/// the single-use warrant to present with the retried request.
/// </summary>
public sealed record ApprovalPollResult
{
    public required string Id { get; init; }

    /// <summary>
    /// pending, approved (then always with <see cref="Warrant"/>), denied, or expired: the request TTL passed while
    /// pending, or it was approved and its warrant TTL has passed since.
    /// </summary>
    public required string Status { get; init; }

    public required IReadOnlyList<string> Approvers { get; init; }

    public required IReadOnlyList<string> Approvals { get; init; }

    public required int ApprovalsRequired { get; init; }

    public required DateTimeOffset ExpiresAt { get; init; }

    /// <summary>Only when approved and only for the agent that asked.</summary>
    public string? Warrant { get; init; }

    public DateTimeOffset? WarrantExpiresAt { get; init; }
}
