using Gateway.Store;

namespace Gateway.Audit;

/// <summary>An append made durable: the sealed record, and the signed receipt the append asked for (null when it asked for none).</summary>
public readonly record struct AuditAppended(AuditRecord Record, string? Receipt)
{
    /// <summary>
    /// The outcome of the admission the append carried (<see cref="AuditJournal.AppendWithReceiptAsync(AuditEntry, AdmissionRequest?, CancellationToken)"/>),
    /// admitted with the record's append; null when it carried none.
    /// </summary>
    public AdmissionOutcome? Admission { get; init; }
}
