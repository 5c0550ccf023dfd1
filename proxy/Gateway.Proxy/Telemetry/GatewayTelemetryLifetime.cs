namespace Gateway.Proxy.Telemetry;

/// <summary>
/// Builds the telemetry providers before anything else starts (so the first request is traced),
/// refuses to start on malformed <c>OTEL_*</c> settings, says once what is exported, and flushes and
/// shuts the providers down after the host has stopped.
/// </summary>
internal sealed partial class GatewayTelemetryLifetime : IHostedLifecycleService
{
    /// <summary>How long shutdown waits for the last export.</summary>
    private const int ShutdownTimeoutMilliseconds = 5000;

    private readonly GatewayTelemetryProviders _providers;
    private readonly ILogger<GatewayTelemetryLifetime> _logger;

    public GatewayTelemetryLifetime(GatewayTelemetryProviders providers, ILogger<GatewayTelemetryLifetime> logger)
    {
        _providers = providers;
        _logger = logger;
    }

    public Task StartingAsync(CancellationToken cancellationToken)
    {
        var settings = _providers.Settings;
        if (settings.Errors.Count > 0)
        {
            throw new InvalidOperationException("OpenTelemetry settings are invalid: " + string.Join(" ", settings.Errors));
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

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken)
    {
        _providers.Shutdown(ShutdownTimeoutMilliseconds);
        return Task.CompletedTask;
    }

    /// <summary>Scheme, host, port and path only: user info and query, which may hold credentials, are never logged.</summary>
    private static string Describe(OtlpTarget? target) => target is null
        ? "off"
        : target.Endpoint.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped)
            + (target.Protocol == OpenTelemetry.Exporter.OtlpExportProtocol.Grpc ? " (grpc)" : " (http/protobuf)");

    [LoggerMessage(EventId = 6001, Level = LogLevel.Information, Message = "OpenTelemetry export is off: {Reason}")]
    private static partial void LogExportOff(ILogger logger, string reason);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Information, Message = "OpenTelemetry export for service {ServiceName}: traces {Traces}, metrics {Metrics}, logs {Logs}; sampler {Sampler}")]
    private static partial void LogExporting(ILogger logger, string serviceName, string traces, string metrics, string logs, string sampler);
}
