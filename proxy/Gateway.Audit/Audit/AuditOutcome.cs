namespace Gateway.Audit;

/// <summary>
/// One request's outcome inside a record that stands for the outcomes of several requests of one group
/// (<see cref="AuditEntry.Outcomes"/>): only what varies from one request to the next. Absent values are left out
/// of the record, as in any record.
/// </summary>
public sealed record AuditOutcome
{
    public required string RequestId { get; init; }

    /// <summary>The HTTP status the gateway answered with.</summary>
    public int StatusCode { get; init; }

    /// <summary>True only when the connector was called.</summary>
    public bool Invoked { get; init; }

    public int? UpstreamStatus { get; init; }

    public double? LatencyMs { get; init; }

    /// <summary>Redactions applied, by data class → count.</summary>
    public IReadOnlyDictionary<string, int>? Redactions { get; init; }
}
