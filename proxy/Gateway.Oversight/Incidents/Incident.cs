using System.Text.Json;

namespace Gateway.Oversight.Incidents;

/// <summary>An incident opened by a <c>block_and_open_incident</c> decision.</summary>
public sealed record Incident
{
    public required string Id { get; init; }

    public required string Tenant { get; init; }

    public string? Workspace { get; init; }

    public required string Agent { get; init; }

    public required string Tool { get; init; }

    public required string IntentDigest { get; init; }

    /// <summary>The open critical findings that escalated the block.</summary>
    public required IReadOnlyList<string> FindingIds { get; init; }

    public JsonElement? Explanation { get; init; }

    public required DateTimeOffset OpenedAt { get; init; }

    /// <summary>The webhook notification's state when listed; null when none is sent, and in the notification itself.</summary>
    public IncidentDelivery? Delivery { get; init; }
}
