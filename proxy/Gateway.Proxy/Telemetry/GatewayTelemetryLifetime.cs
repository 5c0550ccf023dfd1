namespace Gateway.Proxy.Telemetry;

/// <summary>
/// Refuses to start on malformed <c>OTEL_*</c> or <c>Gateway:Metrics:*</c> settings (every error named)
/// and says once what is exported and where /metrics is. The providers themselves belong to
/// <c>AddOpenTelemetry()</c>, which builds them at start and flushes them when the host is disposed.
/// Once started, it puts every gateway counter at 0 (<see cref="GatewayCountersAtZero"/>).
/// </summary>
internal sealed partial class GatewayTelemetryLifetime : IHostedLifecycleService
{
    private readonly TelemetrySettings _settings;
    private readonly ILogger<GatewayTelemetryLifetime> _logger;
    private readonly IServiceProvider _services;

    public GatewayTelemetryLifetime(TelemetrySettings settings, ILogger<GatewayTelemetryLifetime> logger, IServiceProvider services)
    {
        _settings = settings;
        _logger = logger;
        _services = services;
    }

    public Task StartingAsync(CancellationToken cancellationToken)
    {
        var settings = _settings;
        if (settings.Errors.Count > 0)
        {
            throw new InvalidOperationException("Telemetry settings are invalid: " + string.Join(" ", settings.Errors));
        }

        if (settings.MetricsEndpoint.Enabled)
        {
            LogMetricsEndpoint(_logger, settings.MetricsEndpoint.ListenUrl + MetricsEndpointSettings.Path);
        }

        if (settings.DisabledReason is { } reason)
        {
            LogExportOff(_logger, reason);
            return Task.CompletedTask;
        }

        var service = settings.Resource.TryGetValue("service.name", out var name) ? name.ToString() : TelemetrySettings.DefaultServiceName;
        LogExporting(_logger, service ?? TelemetrySettings.DefaultServiceName, Describe(settings.Traces), Describe(settings.Metrics), Describe(settings.Logs), settings.SamplerName);
        return Task.CompletedTask;
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken)
    {
        if (_settings.Metrics is not null || _settings.MetricsEndpoint.Enabled)
        {
            GatewayCountersAtZero.Publish(_services);
        }

        return Task.CompletedTask;
    }

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Scheme, host, port and path only: user info and query, which may hold credentials, are never logged.</summary>
    private static string Describe(OtlpTarget? target) => target is null
        ? "off"
        : target.Endpoint.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped)
            + (target.Protocol == OpenTelemetry.Exporter.OtlpExportProtocol.Grpc ? " (grpc)" : " (http/protobuf)");

    [LoggerMessage(EventId = 6001, Level = LogLevel.Information, Message = "OpenTelemetry export is off: {Reason}")]
    private static partial void LogExportOff(ILogger logger, string reason);

    [LoggerMessage(EventId = 6003, Level = LogLevel.Information, Message = "Prometheus metrics on {MetricsUrl}")]
    private static partial void LogMetricsEndpoint(ILogger logger, string metricsUrl);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Information, Message = "OpenTelemetry export for service {ServiceName}: traces {Traces}, metrics {Metrics}, logs {Logs}; sampler {Sampler}")]
    private static partial void LogExporting(ILogger logger, string serviceName, string traces, string metrics, string logs, string sampler);
}
