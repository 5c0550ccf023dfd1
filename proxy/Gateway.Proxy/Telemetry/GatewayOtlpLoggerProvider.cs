using Microsoft.Extensions.Logging.Abstractions;

namespace Gateway.Proxy.Telemetry;

/// <summary>
/// The application's <see cref="ILoggerProvider"/> for OTLP log export: forwards to the SDK's
/// OpenTelemetry logging provider when logs are exported, and hands out no-op loggers otherwise. It
/// shares the factory's scopes (the request id scope included). Filter it with
/// <c>Logging:OpenTelemetry:LogLevel:*</c>. Log records carry the message template and its named
/// values, never more: the gateway logs no secret, header value or body.
/// </summary>
[ProviderAlias("OpenTelemetry")]
internal sealed class GatewayOtlpLoggerProvider : ILoggerProvider, ISupportExternalScope
{
    private readonly GatewayTelemetryProviders _providers;

    public GatewayOtlpLoggerProvider(GatewayTelemetryProviders providers) => _providers = providers;

    public ILogger CreateLogger(string categoryName) =>
        _providers.LoggerProvider?.CreateLogger(categoryName) ?? NullLogger.Instance;

    public void SetScopeProvider(IExternalScopeProvider scopeProvider)
    {
        if (_providers.LoggerProvider is ISupportExternalScope inner)
        {
            inner.SetScopeProvider(scopeProvider);
        }
    }

    /// <summary>The SDK provider belongs to <see cref="GatewayTelemetryProviders"/>, which disposes it.</summary>
    public void Dispose()
    {
    }
}
