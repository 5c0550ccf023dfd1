using Gateway.Proxy.Telemetry;
using Gateway.Proxy.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;

namespace Gateway.Proxy.Tests.Telemetry;

/// <summary>
/// ASP.NET Core's and HttpClient's instruments that record on every request and that no dashboard reads are off on the
/// real <c>/metrics</c> unless <c>Gateway:Metrics:AllFrameworkInstruments</c> is true; the documented ones stay on.
/// </summary>
[Collection(ProcessMetersCollection.Name)]
public sealed class PerRequestFrameworkInstrumentsTests
{
    /// <summary>Prometheus names of the instruments docs/observability.md lists as built in (after a forwarded request).</summary>
    private static readonly string[] Documented =
    [
        "http_server_request_duration_seconds_count",
        "http_server_active_requests",
        "kestrel_active_connections",
        "http_client_request_duration_seconds_count",
    ];

    /// <summary>Prometheus names of the per-request instruments that are off by default.</summary>
    private static readonly string[] PerRequest =
    [
        "aspnetcore_memory_pool_rented_bytes_total",
        "aspnetcore_memory_pool_pooled_bytes",
        "http_client_active_requests",
        "aspnetcore_routing_match_attempts_total",
    ];

    [Fact]
    public async Task Metrics_ByDefault_ExportTheDocumentedInstrumentsAndNoPerRequestOne()
    {
        var exported = await ExportedAfterAnAllowedRequestAsync(allFrameworkInstruments: null);

        Assert.All(Documented, name => Assert.Contains(name, exported));
        Assert.All(PerRequest, name => Assert.DoesNotContain(name, exported));
    }

    [Fact]
    public async Task Metrics_WithAllFrameworkInstruments_ExportThePerRequestOnesToo()
    {
        var exported = await ExportedAfterAnAllowedRequestAsync(allFrameworkInstruments: "true");

        Assert.All(Documented, name => Assert.Contains(name, exported));
        Assert.All(PerRequest, name => Assert.Contains(name, exported));
    }

    private static async Task<HashSet<string>> ExportedAfterAnAllowedRequestAsync(string? allFrameworkInstruments)
    {
        using var metrics = new MetricsScrape();
        await using var gw = await GovernedGateway.StartAsync(configure: builder => builder.Configuration.AddInMemoryCollection(
            metrics.Settings((PerRequestFrameworkInstruments.SettingKey, allFrameworkInstruments))));
        using (var allowed = await gw.Agent.PostJsonAsync("/v1/actions/invoke-tool", """{"tool":"crm.read_contact","args":{"id":"c-1"}}"""))
        {
            await DecisionJson.DecisionAsync(allowed, "allow");
        }

        return (await metrics.SamplesAsync()).Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
    }
}
