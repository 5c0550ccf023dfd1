using System.Text.Json;

namespace Gateway.Oversight.Approvals;

/// <summary>The immutable part of an approval request, as an <see cref="IApprovalStore"/> keeps it.</summary>
public sealed record ApprovalDocument
{
    public required string Id { get; init; }

    public required string Tenant { get; init; }

    public required string Agent { get; init; }

    public required string Tool { get; init; }

    public required string IntentDigest { get; init; }

    public required string PolicyDigest { get; init; }

    public string? GateId { get; init; }

    public required IReadOnlyList<string> Approvers { get; init; }

    public required int ApprovalsRequired { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required DateTimeOffset ExpiresAt { get; init; }

    public required long WarrantTtlSeconds { get; init; }

    public JsonElement? Explanation { get; init; }
}
