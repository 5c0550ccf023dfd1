using System.Text.Json;
using System.Text.Json.Serialization;

namespace Gateway.Oversight.Approvals;

/// <summary>
/// An approval request as an approver or administrator sees it (never holds the warrant). An
/// <see cref="IApprovalStore"/> keeps the part that never changes; the state (<see cref="Status"/>,
/// <see cref="Approvals"/>, <see cref="DecidedAt"/>, <see cref="DecidedBy"/>) is the request's votes and its one
/// outcome, which <see cref="ApprovalService"/> reads into it: as a store returns it, a request is pending with no
/// approvals.
/// </summary>
public sealed record ApprovalRequest
{
    public required string Id { get; init; }

    public required string Tenant { get; init; }

    public required string Agent { get; init; }

    public required string Tool { get; init; }

    public required string IntentDigest { get; init; }

    public required string PolicyDigest { get; init; }

    public string? GateId { get; init; }

    /// <summary>One of <see cref="ApprovalStatus"/>.</summary>
    public required string Status { get; init; }

    /// <summary>The named people who may approve or deny.</summary>
    public required IReadOnlyList<string> Approvers { get; init; }

    /// <summary>How many distinct approvers must approve.</summary>
    public required int ApprovalsRequired { get; init; }

    /// <summary>The approvers who have approved so far.</summary>
    public required IReadOnlyList<string> Approvals { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>When a pending request expires.</summary>
    public required DateTimeOffset ExpiresAt { get; init; }

    /// <summary>When it was approved, denied or found expired.</summary>
    public DateTimeOffset? DecidedAt { get; init; }

    /// <summary>Who denied it (for a denial).</summary>
    public string? DecidedBy { get; init; }

    /// <summary>The warrant's lifetime once approved, in seconds.</summary>
    public required long WarrantTtlSeconds { get; init; }

    /// <summary>The decision's explanation as the policy produced it.</summary>
    public JsonElement? Explanation { get; init; }

    /// <summary>
    /// The gateway's id of the request whose decision opened this one (the audit record that names it, and the request id
    /// its receipt binds); null for a request opened before it was kept.
    /// </summary>
    public string? RequestId { get; init; }

    /// <summary>
    /// The action's arguments as canonical JSON text, redacted (<see cref="ApprovalArguments"/>): never a secret, at most
    /// <see cref="ApprovalArguments.MaxBytes"/> bytes of UTF-8, cut by value (long strings shortened with a marker, every
    /// member name shown) and then, only where the names do not fit, members hidden (<see cref="ArgumentsTruncated"/>).
    /// A request opened before the cut by value may keep a prefix that does not parse (and is truncated).
    /// </summary>
    public string? Arguments { get; init; }

    /// <summary>
    /// True when <see cref="Arguments"/> does not show every member (each container that hides some says how many), or is a
    /// prefix cut at <see cref="ApprovalArguments.MaxBytes"/> (a request opened before the cut by value): approving it
    /// approves members no approver saw.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool ArgumentsTruncated { get; init; }

    /// <summary>
    /// The signed receipt of the decision that opened the request (opaque here: a compact JWS, docs/evidence.md), stored with
    /// the request in the one write that opens it, after the decision was recorded; null when the decision had none.
    /// </summary>
    public string? Receipt { get; init; }
}
