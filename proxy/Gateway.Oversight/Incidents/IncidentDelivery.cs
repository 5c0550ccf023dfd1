namespace Gateway.Oversight.Incidents;

/// <summary>Where an incident's webhook notification stands (shown by the admin API).</summary>
public sealed record IncidentDelivery
{
    /// <summary><c>pending</c> (queued or between attempts), <c>delivered</c>, <c>failed</c> (attempts exhausted) or <c>coalesced</c> (none of its own).</summary>
    public required string State { get; init; }

    /// <summary>Attempts started so far.</summary>
    public required int Attempts { get; init; }

    /// <summary>When the next attempt is due (pending only).</summary>
    public DateTimeOffset? NextAttemptAt { get; init; }

    public DateTimeOffset? DeliveredAt { get; init; }

    /// <summary>What the last failed attempt met: an HTTP status or an error kind, never a body.</summary>
    public string? LastError { get; init; }

    /// <summary>The incident whose notification covers this one (coalesced only).</summary>
    public string? CoalescedInto { get; init; }

    public const string Pending = "pending";

    public const string Delivered = "delivered";

    public const string Failed = "failed";

    public const string Coalesced = "coalesced";
}
