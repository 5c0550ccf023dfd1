using System.Collections.Frozen;
using System.Reflection;

namespace Gateway.Proxy.Telemetry;

/// <summary>
/// The OpenTelemetry SDK's standard variables (<c>OTEL_*</c>, at the configuration's root: environment variables, or
/// settings in tests), bound as text before the container exists and checked by <see cref="TelemetrySettings.Read"/>,
/// which stops the start naming each bad variable (never echoing a header's value).
/// </summary>
internal sealed class OtelOptions
{
    private static readonly FrozenDictionary<string, PropertyInfo> ByVariable = typeof(OtelOptions)
        .GetProperties(BindingFlags.Public | BindingFlags.Instance)
        .Where(static p => p.GetIndexParameters().Length == 0)
        .ToFrozenDictionary(static p => p.GetCustomAttribute<ConfigurationKeyNameAttribute>()!.Name, StringComparer.Ordinal);

    /// <summary>The value of the variable <paramref name="variable"/>, one of the properties' keys (null when unset).</summary>
    public string? this[string variable] => (string?)ByVariable[variable].GetValue(this);

    [ConfigurationKeyName("OTEL_SDK_DISABLED")]
    public string? SdkDisabled { get; set; }

    [ConfigurationKeyName("OTEL_SERVICE_NAME")]
    public string? ServiceName { get; set; }

    [ConfigurationKeyName("OTEL_RESOURCE_ATTRIBUTES")]
    public string? ResourceAttributes { get; set; }

    [ConfigurationKeyName("OTEL_TRACES_SAMPLER")]
    public string? TracesSampler { get; set; }

    [ConfigurationKeyName("OTEL_TRACES_SAMPLER_ARG")]
    public string? TracesSamplerArg { get; set; }

    [ConfigurationKeyName("OTEL_METRIC_EXPORT_INTERVAL")]
    public string? MetricExportInterval { get; set; }

    [ConfigurationKeyName("OTEL_METRIC_EXPORT_TIMEOUT")]
    public string? MetricExportTimeout { get; set; }

    [ConfigurationKeyName("OTEL_TRACES_EXPORTER")]
    public string? TracesExporter { get; set; }

    [ConfigurationKeyName("OTEL_METRICS_EXPORTER")]
    public string? MetricsExporter { get; set; }

    [ConfigurationKeyName("OTEL_LOGS_EXPORTER")]
    public string? LogsExporter { get; set; }

    [ConfigurationKeyName("OTEL_EXPORTER_OTLP_PROTOCOL")]
    public string? ExporterOtlpProtocol { get; set; }

    [ConfigurationKeyName("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL")]
    public string? ExporterOtlpTracesProtocol { get; set; }

    [ConfigurationKeyName("OTEL_EXPORTER_OTLP_METRICS_PROTOCOL")]
    public string? ExporterOtlpMetricsProtocol { get; set; }

    [ConfigurationKeyName("OTEL_EXPORTER_OTLP_LOGS_PROTOCOL")]
    public string? ExporterOtlpLogsProtocol { get; set; }

    [ConfigurationKeyName("OTEL_EXPORTER_OTLP_ENDPOINT")]
    public string? ExporterOtlpEndpoint { get; set; }

    [ConfigurationKeyName("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")]
    public string? ExporterOtlpTracesEndpoint { get; set; }

    [ConfigurationKeyName("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT")]
    public string? ExporterOtlpMetricsEndpoint { get; set; }

    [ConfigurationKeyName("OTEL_EXPORTER_OTLP_LOGS_ENDPOINT")]
    public string? ExporterOtlpLogsEndpoint { get; set; }

    [ConfigurationKeyName("OTEL_EXPORTER_OTLP_HEADERS")]
    public string? ExporterOtlpHeaders { get; set; }

    [ConfigurationKeyName("OTEL_EXPORTER_OTLP_TRACES_HEADERS")]
    public string? ExporterOtlpTracesHeaders { get; set; }

    [ConfigurationKeyName("OTEL_EXPORTER_OTLP_METRICS_HEADERS")]
    public string? ExporterOtlpMetricsHeaders { get; set; }

    [ConfigurationKeyName("OTEL_EXPORTER_OTLP_LOGS_HEADERS")]
    public string? ExporterOtlpLogsHeaders { get; set; }

    [ConfigurationKeyName("OTEL_EXPORTER_OTLP_TIMEOUT")]
    public string? ExporterOtlpTimeout { get; set; }

    [ConfigurationKeyName("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT")]
    public string? ExporterOtlpTracesTimeout { get; set; }

    [ConfigurationKeyName("OTEL_EXPORTER_OTLP_METRICS_TIMEOUT")]
    public string? ExporterOtlpMetricsTimeout { get; set; }

    [ConfigurationKeyName("OTEL_EXPORTER_OTLP_LOGS_TIMEOUT")]
    public string? ExporterOtlpLogsTimeout { get; set; }

    [ConfigurationKeyName("OTEL_BSP_MAX_QUEUE_SIZE")]
    public string? BspMaxQueueSize { get; set; }

    [ConfigurationKeyName("OTEL_BSP_SCHEDULE_DELAY")]
    public string? BspScheduleDelay { get; set; }

    [ConfigurationKeyName("OTEL_BSP_EXPORT_TIMEOUT")]
    public string? BspExportTimeout { get; set; }

    [ConfigurationKeyName("OTEL_BSP_MAX_EXPORT_BATCH_SIZE")]
    public string? BspMaxExportBatchSize { get; set; }

    [ConfigurationKeyName("OTEL_BLRP_MAX_QUEUE_SIZE")]
    public string? BlrpMaxQueueSize { get; set; }

    [ConfigurationKeyName("OTEL_BLRP_SCHEDULE_DELAY")]
    public string? BlrpScheduleDelay { get; set; }

    [ConfigurationKeyName("OTEL_BLRP_EXPORT_TIMEOUT")]
    public string? BlrpExportTimeout { get; set; }

    [ConfigurationKeyName("OTEL_BLRP_MAX_EXPORT_BATCH_SIZE")]
    public string? BlrpMaxExportBatchSize { get; set; }
}
