using System.Globalization;

namespace Gateway.Proxy.Telemetry;

/// <summary>
/// Where Prometheus scrapes <c>/metrics</c>: a listener of its own (<c>Gateway:Metrics:Port</c>, bound on
/// <c>Gateway:Metrics:Host</c>, default all addresses), never the agent-facing port, so that a network
/// policy can let the scraper in and nobody else. Without a port there is no endpoint and no second
/// listener: the image, the chart and <c>make run</c> set 9464; a gateway started bare (tests, embedding)
/// opens nothing it was not asked to.
/// </summary>
internal sealed record MetricsEndpointSettings(int? Port, string Host)
{
    public const string Path = "/metrics";
    public const string PortKey = "Gateway:Metrics:Port";
    public const string HostKey = "Gateway:Metrics:Host";

    public bool Enabled => Port is not null;

    /// <summary>The listener's URL, for Kestrel's <c>urls</c>.</summary>
    public string ListenUrl => $"http://{Host}:{Port}";

    public static MetricsEndpointSettings Read(MetricsEndpointOptions options, List<string> errors)
    {
        var host = options.Host is { Length: > 0 } configuredHost ? configuredHost.Trim() : "*";
        var text = options.Port;
        if (string.IsNullOrWhiteSpace(text))
        {
            return new MetricsEndpointSettings(null, host);
        }

        if (!int.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            errors.Add($"{PortKey} must be a TCP port (1-65535).");
            return new MetricsEndpointSettings(null, host);
        }

        if (host.Contains('/', StringComparison.Ordinal) || host.Contains(' ', StringComparison.Ordinal))
        {
            errors.Add($"{HostKey} must be a host name or address (or * for every address).");
        }

        return new MetricsEndpointSettings(port, host);
    }

    /// <summary>
    /// Adds the metrics listener to the server's <c>urls</c>, after the gateway's own (which keep their
    /// defaults: <c>ASPNETCORE_HTTP_PORTS</c>, else http://localhost:5000). Refuses a port the gateway
    /// already serves agents on.
    /// </summary>
    public void AddListener(IConfiguration configuration, List<string> errors)
    {
        if (Port is null)
        {
            return;
        }

        var server = configuration.Get<ServerListenOptions>() ?? new ServerListenOptions();
        var urls = server.Urls;
        if (string.IsNullOrWhiteSpace(urls))
        {
            var httpPorts = server.HttpPorts;
            urls = string.IsNullOrWhiteSpace(httpPorts)
                ? "http://localhost:5000"
                : string.Join(';', httpPorts.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(static p => "http://*:" + p));
        }

        var suffix = ":" + Port.Value.ToString(CultureInfo.InvariantCulture);
        var own = urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (own.Any(u => u.TrimEnd('/').EndsWith(suffix, StringComparison.Ordinal)))
        {
            errors.Add($"{PortKey} {Port} is also the gateway's own port; give /metrics a port of its own.");
            return;
        }

        if (own.Contains(ListenUrl, StringComparer.OrdinalIgnoreCase))
        {
            return;
        }

        configuration["urls"] = string.Join(';', own.Append(ListenUrl));
    }
}
