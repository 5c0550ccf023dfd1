using Gateway.Oversight.Audit;

namespace Gateway.Proxy.Adapters;

/// <summary>
/// Emits every audit record as a structured log record (category <c>Gateway.Audit</c>), which the
/// OpenTelemetry log exporter ships over OTLP. Only the record's ids, digests and outcome are logged.
/// </summary>
internal sealed partial class LoggingAuditExporter : IAuditExporter
{
    private readonly ILogger _logger;

    public LoggingAuditExporter(ILoggerFactory loggerFactory) => _logger = loggerFactory.CreateLogger("Gateway.Audit");

    public ValueTask ExportAsync(AuditRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        LogRecord(_logger, record.Tenant, record.Seq, record.Agent, record.Tool, record.Decision, record.StatusCode, record.RequestId, record.IntentDigest, record.Hash);
        return ValueTask.CompletedTask;
    }

    [LoggerMessage(EventId = 5001, Level = LogLevel.Information,
        Message = "audit {Tenant}#{Seq} agent={Agent} tool={Tool} decision={Decision} status={Status} request={RequestId} intent={IntentDigest} hash={Hash}")]
    private static partial void LogRecord(ILogger logger, string tenant, long seq, string agent, string? tool, string decision, int status, string? requestId, string? intentDigest, string? hash);
}
