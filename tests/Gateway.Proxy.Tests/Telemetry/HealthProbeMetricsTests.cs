using System.Net;
using Gateway.Proxy.Tests.Infrastructure;
using Gateway.Testing;

namespace Gateway.Proxy.Tests.Telemetry;

/// <summary>
/// Kubernetes' probes are not traffic: <c>/healthz</c> and <c>/readyz</c> add nothing to <c>http.server.request.duration</c>,
/// so an unready replica's probes neither keep the request rate up nor show as 5xx, while agents' requests still count.
/// </summary>
[Collection(ProcessMetersCollection.Name)]
public sealed class HealthProbeMetricsTests
{
    private const string EvaluateBody = """{"tool":"crm.read_contact","args":{"id":"42"}}""";

    [Fact]
    public async Task Probes_AreNotCountedAsHttpRequests_WhileAgentRequestsAre()
    {
        using var bundle = DemoBundle.Create();
        using var metrics = new MetricsScrape();
        await using var gateway = await GatewayHost.StartAsync(bundle.Directory, metrics.Settings());
        var agent = new AgentClient(gateway.Client, bundle.AgentSecret);

        using var live = await gateway.Client.GetAsync("/healthz");
        using var ready = await gateway.Client.GetAsync("/readyz");
        using var evaluated = await agent.PostJsonAsync("/v1/evaluate", EvaluateBody);

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal(HttpStatusCode.OK, evaluated.StatusCode);
        // The duration is recorded once the exchange is over: wait for the agent's request, the last of the three.
        var requests = await Eventually.ReturnsAsync(
            async () => (await metrics.SamplesAsync()).Where(static s => s.Name == "http_server_request_duration_seconds_count").ToList(),
            static found => found.Exists(static s => s.Labels.Contains("http_route=\"/v1/evaluate\"", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(30), found => "no /v1/evaluate request counted: " + string.Join(", ", (found ?? []).Select(static s => s.Labels)));
        Assert.DoesNotContain(requests, static s => s.Labels.Contains("/healthz", StringComparison.Ordinal) || s.Labels.Contains("/readyz", StringComparison.Ordinal));
    }
}
