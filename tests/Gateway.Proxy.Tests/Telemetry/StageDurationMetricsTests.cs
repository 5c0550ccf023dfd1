using System.Globalization;
using System.Net;
using Gateway.Proxy.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;

namespace Gateway.Proxy.Tests.Telemetry;

/// <summary>
/// Every stage a governed request walks records its own wall time in
/// <c>gateway.request.stage.duration</c> (tag <c>stage</c>), and <c>total</c> the whole request: on the
/// real <c>/metrics</c>, an allowed request counts in every stage and a blocked one in every stage but
/// <c>forward</c>, with buckets fine enough to read a few microseconds.
/// </summary>
[Collection(ProcessMetersCollection.Name)]
public sealed class StageDurationMetricsTests
{
    private const string Histogram = "gateway_request_stage_duration_seconds";

    [Fact]
    public async Task Metrics_AfterAnAllowedAndABlockedRequest_CountEachStageTheyWalked()
    {
        using var metrics = new MetricsScrape();
        await using var gw = await GovernedGateway.StartAsync(configure: builder => builder.Configuration.AddInMemoryCollection(metrics.Settings()));

        using (var allowed = await gw.Agent.PostJsonAsync("/v1/actions/invoke-tool", """{"tool":"crm.read_contact","args":{"id":"c-1"}}"""))
        {
            await DecisionJson.DecisionAsync(allowed, "allow");
        }

        using (var blocked = await gw.Agent.PostJsonAsync("/v1/actions/invoke-tool", """{"tool":"shell.exec","args":{"cmd":"ls"}}"""))
        {
            Assert.Equal(HttpStatusCode.Forbidden, blocked.StatusCode);
        }

        var samples = await metrics.SamplesAsync();

        var counts = samples.Where(s => s.Name == Histogram + "_count").ToDictionary(s => Stage(s.Labels), s => s.Value);
        var expected = new Dictionary<string, double>
        {
            ["authenticate"] = 2, ["describe"] = 2, ["admit"] = 2, ["decide"] = 2, ["record"] = 2,
            ["enforce"] = 2, ["forward"] = 1, ["respond"] = 2, ["total"] = 2,
        };
        Assert.Equal(expected.OrderBy(p => p.Key), counts.OrderBy(p => p.Key));
        var sums = samples.Where(s => s.Name == Histogram + "_sum").ToDictionary(s => Stage(s.Labels), s => s.Value);
        Assert.All(expected.Keys, stage => Assert.True(sums[stage] > 0, $"{stage}: sum {sums[stage]}"));
        Assert.True(sums["total"] >= sums.Where(p => p.Key != "total").Sum(p => p.Value) * 0.99, "the stages take no more than the whole request");
        var bounds = samples.Where(s => s.Name == Histogram + "_bucket" && Stage(s.Labels) == "total")
            .Select(s => Le(s.Labels)).Where(double.IsFinite).ToList();
        Assert.True(bounds.Min() <= 1e-6 && bounds.Max() >= 2, $"buckets {string.Join(", ", bounds)}");
    }

    private static string Stage(string labels) => Label(labels, "stage");

    private static double Le(string labels) =>
        Label(labels, "le") is "+Inf" ? double.PositiveInfinity : double.Parse(Label(labels, "le"), NumberStyles.Float, CultureInfo.InvariantCulture);

    private static string Label(string labels, string name)
    {
        var start = labels.IndexOf(name + "=\"", StringComparison.Ordinal);
        Assert.True(start >= 0 && (start == 0 || labels[start - 1] == ','), $"no {name} in {{{labels}}}");
        start += name.Length + 2;
        return labels[start..labels.IndexOf('"', start)];
    }
}
