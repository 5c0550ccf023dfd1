namespace Gateway.Proxy.Telemetry;

/// <summary>
/// The metrics settings as configured (section <c>Gateway:Metrics</c>): the <c>/metrics</c> listener, bound before the
/// container exists and checked by <see cref="MetricsEndpointSettings.Read"/> (the port a TCP port, the host a name or
/// address) with the server's own listeners (<see cref="ServerListenOptions"/>) it must not share a port with, the
/// instruments' cardinality limit and the framework's per-request instruments (<see cref="TelemetrySettings"/>).
/// </summary>
public sealed class MetricsEndpointOptions
{
    public const string SectionName = "Gateway:Metrics";

    /// <summary><c>Gateway:Metrics:Port</c>, as text (unset: no endpoint).</summary>
    public string? Port { get; set; }

    /// <summary><c>Gateway:Metrics:Host</c>; unset, every address (<c>*</c>).</summary>
    public string? Host { get; set; }

    /// <summary><c>Gateway:Metrics:CardinalityLimit</c>, as text: tag combinations kept per instrument (<see cref="MetricCardinality"/>).</summary>
    public string? CardinalityLimit { get; set; }

    /// <summary><c>Gateway:Metrics:AllFrameworkInstruments</c>, as text: <c>true</c> keeps <see cref="PerRequestFrameworkInstruments"/>.</summary>
    public string? AllFrameworkInstruments { get; set; }
}

/// <summary>The server's own listeners as the host reads them: <c>urls</c> (<c>ASPNETCORE_URLS</c>), else <c>http_ports</c> (<c>ASPNETCORE_HTTP_PORTS</c>).</summary>
public sealed class ServerListenOptions
{
    [ConfigurationKeyName("urls")]
    public string? Urls { get; set; }

    [ConfigurationKeyName("http_ports")]
    public string? HttpPorts { get; set; }
}
