using Gateway.Store;

namespace Gateway.Audit;

/// <summary>An append made durable: the sealed record, and the signed receipt the append asked for (null when it asked for none).</summary>
public readonly record struct AuditAppended(AuditRecord Record, string? Receipt)
{
    /// <summary>The store's answer to the admission made with the append; null when none was.</summary>
    public AdmissionOutcome? Admission { get; init; }
}
