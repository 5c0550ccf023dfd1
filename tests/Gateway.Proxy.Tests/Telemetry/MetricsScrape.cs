using System.Globalization;
using Gateway.Testing;

namespace Gateway.Proxy.Tests.Telemetry;

/// <summary>The gateway's <c>/metrics</c> on a free loopback port of its own: the settings that open it, and a client that scrapes it.</summary>
internal sealed class MetricsScrape : IDisposable
{
    private readonly int _port = FreePort.Next();

    public MetricsScrape() => Client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_port}") };

    /// <summary>A client of the metrics port.</summary>
    public HttpClient Client { get; }

    /// <summary><c>Gateway:Metrics:Port</c> and <c>Gateway:Metrics:Host</c> for this port, with <paramref name="more"/>.</summary>
    public Dictionary<string, string?> Settings(params (string Key, string? Value)[] more)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Gateway:Metrics:Port"] = _port.ToString(CultureInfo.InvariantCulture),
            ["Gateway:Metrics:Host"] = "127.0.0.1",
        };
        foreach (var (key, value) in more)
        {
            settings[key] = value;
        }

        return settings;
    }

    /// <summary>Every sample <c>/metrics</c> serves now.</summary>
    public async Task<IReadOnlyList<(string Name, string Labels, double Value)>> SamplesAsync() =>
        PrometheusText.Parse(await Client.GetStringAsync("/metrics"));

    public void Dispose() => Client.Dispose();
}
