namespace Gateway.Audit;

/// <summary>
/// Called with each record after it is durably appended (the host implements it with an ILogger
/// wired to OTLP logs). Failures are logged and never undo or fail the append. Exporting each
/// record's hash off the machine also anchors the chain against truncation of its tail.
/// </summary>
public interface IAuditExporter
{
    ValueTask ExportAsync(AuditRecord record, CancellationToken cancellationToken = default);
}
