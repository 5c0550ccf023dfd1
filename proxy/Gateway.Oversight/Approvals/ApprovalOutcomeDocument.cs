namespace Gateway.Oversight.Approvals;

/// <summary>
/// The terminal state of a request, written once with set-if-absent so that approve, deny and
/// expiry racing on different replicas settle on exactly one outcome.
/// </summary>
public sealed record ApprovalOutcomeDocument
{
    public required string Status { get; init; }

    public required DateTimeOffset At { get; init; }

    public string? By { get; init; }
}
