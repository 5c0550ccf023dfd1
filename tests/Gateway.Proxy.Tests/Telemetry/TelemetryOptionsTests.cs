using System.Reflection;
using Gateway.Proxy.Telemetry;
using Microsoft.Extensions.Configuration;

namespace Gateway.Proxy.Tests.Telemetry;

/// <summary>
/// The telemetry options bound from configuration (<see cref="OtelOptions"/>, <see cref="MetricsEndpointOptions"/>,
/// <see cref="ServerListenOptions"/>): each variable by its own name, and a bad value an error that names it.
/// </summary>
public sealed class TelemetryOptionsTests
{
    [Fact]
    public void Bind_EveryOtelVariable_IsReadUnderItsOwnName()
    {
        var names = typeof(OtelOptions).GetProperties()
            .Select(static p => p.GetCustomAttribute<ConfigurationKeyNameAttribute>()?.Name)
            .OfType<string>()
            .ToList();
        var configuration = Config([.. names.Select(static n => (n, (string?)(n + "-value")))]);

        var options = configuration.Get<OtelOptions>()!;

        Assert.Equal(34, names.Count);
        Assert.All(names, name => Assert.Equal(name + "-value", options[name]));
    }

    [Fact]
    public void Read_SignalTimeoutNotAnInteger_IsAnErrorNamingTheVariable()
    {
        var settings = TelemetrySettings.Read(
            Config(("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318"), ("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "soon")), "Production");

        Assert.Contains("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT must be a positive integer.", settings.Errors);
    }

    [Fact]
    public void Read_MetricsPortNotAPort_IsAnErrorNamingTheKey()
    {
        var settings = TelemetrySettings.Read(Config(("Gateway:Metrics:Port", "70000")), "Production");

        Assert.Contains("Gateway:Metrics:Port must be a TCP port (1-65535).", settings.Errors);
        Assert.False(settings.MetricsEndpoint.Enabled);
    }

    [Fact]
    public void Read_MetricsHostNotAHost_IsAnErrorNamingTheKey()
    {
        var settings = TelemetrySettings.Read(Config(("Gateway:Metrics:Port", "9464"), ("Gateway:Metrics:Host", "http://0.0.0.0/")), "Production");

        Assert.Contains("Gateway:Metrics:Host must be a host name or address (or * for every address).", settings.Errors);
    }

    [Fact]
    public void AddListener_MetricsPortIsOneOfTheServersHttpPorts_IsAnErrorNamingTheKey()
    {
        var configuration = Config(("Gateway:Metrics:Port", "8080"), ("http_ports", "8080"));
        var errors = new List<string>();

        TelemetrySettings.Read(configuration, "Production").MetricsEndpoint.AddListener(configuration, errors);

        Assert.Contains("Gateway:Metrics:Port 8080 is also the gateway's own port; give /metrics a port of its own.", errors);
        Assert.Null(configuration["urls"]);
    }

    [Fact]
    public void AddListener_ServerUrlsConfigured_AddsTheMetricsListenerAfterThem()
    {
        var configuration = Config(("Gateway:Metrics:Port", "9464"), ("urls", "http://localhost:5080"));
        var errors = new List<string>();

        TelemetrySettings.Read(configuration, "Production").MetricsEndpoint.AddListener(configuration, errors);

        Assert.Empty(errors);
        Assert.Equal("http://localhost:5080;http://*:9464", configuration["urls"]);
    }

    private static IConfigurationRoot Config(params (string Key, string? Value)[] settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings.Select(static s => new KeyValuePair<string, string?>(s.Key, s.Value))).Build();
}
