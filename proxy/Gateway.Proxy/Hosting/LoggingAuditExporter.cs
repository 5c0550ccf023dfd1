using Gateway.Audit;

namespace Gateway.Proxy.Hosting;

/// <summary>
/// Emits every audit record as a structured log record (category <c>Gateway.Audit</c>), which the
/// OpenTelemetry log exporter ships over OTLP. Only the record's ids, digests and outcome are logged.
/// The record's request id is the attribute <c>GatewayRequestId</c>: ASP.NET Core's own scope already
/// carries a <c>RequestId</c>, and a record exported after its request ended must not be mistaken for another's.
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
        Message = "audit {Tenant}#{Seq} agent={Agent} tool={Tool} decision={Decision} status={Status} request={GatewayRequestId} intent={IntentDigest} hash={Hash}")]
    private static partial void LogRecord(ILogger logger, string tenant, long seq, string agent, string? tool, string decision, int status, string? gatewayRequestId, string? intentDigest, string? hash);
}
