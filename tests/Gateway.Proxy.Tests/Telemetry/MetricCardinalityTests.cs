using System.Diagnostics.Metrics;
using System.Globalization;
using Gateway.Proxy.Telemetry;
using Gateway.Proxy.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Proxy.Tests.Telemetry;

/// <summary>
/// Each instrument's cardinality limit: fixed-set tags keep 256 combinations (what the SDK allocates up front), tags an
/// operator's registrations bound keep <c>Gateway:Metrics:CardinalityLimit</c>, and what goes past a limit is counted in
/// the overflow series, never dropped.
/// </summary>
public sealed class MetricCardinalityTests
{
    private const string Overflow = "otel_metric_overflow=\"true\"";

    [Fact]
    public void RegisteredTagInstruments_AreEveryDocumentedInstrumentTaggedByTenantModelOrScope()
    {
        var documented = DocumentedInstruments()
            .Where(static row => row.Tags.Contains("`tenant`", StringComparison.Ordinal)
                || row.Tags.Contains("`model`", StringComparison.Ordinal)
                || row.Tags.Contains("`scope`", StringComparison.Ordinal))
            .Select(static row => row.Name)
            .ToHashSet(StringComparer.Ordinal);

        Assert.Equal(documented.Order(StringComparer.Ordinal), MetricCardinality.RegisteredTagInstruments.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void LimitFor_ByMeterAndInstrument_KeepsTheConfiguredLimitWhereOperatorsBoundTheTags()
    {
        using var gateway = new Meter(GatewayMetrics.MeterName);
        using var runtime = new Meter("System.Runtime");
        using var hosting = new Meter("Microsoft.AspNetCore.Hosting");

        Assert.Equal(MetricCardinality.EnumeratedLimit, MetricCardinality.LimitFor(gateway.CreateCounter<long>("gateway.requests.refused"), 5000));
        Assert.Equal(MetricCardinality.EnumeratedLimit, MetricCardinality.LimitFor(runtime.CreateCounter<long>("dotnet.exceptions"), 5000));
        Assert.Equal(5000, MetricCardinality.LimitFor(gateway.CreateCounter<long>("gateway.decisions"), 5000));
        Assert.Equal(5000, MetricCardinality.LimitFor(hosting.CreateHistogram<double>("http.server.request.duration"), 5000));
        Assert.Equal(40, MetricCardinality.LimitFor(gateway.CreateCounter<long>("gateway.requests.refused"), 40));
    }

    [Fact]
    public async Task Metrics_PastAFixedSetInstrumentsLimit_CountInTheOverflowSeries_WhileTenantsKeepTheirOwn()
    {
        using var bundle = DemoBundle.Create();
        using var scrape = new MetricsScrape();
        await using var gateway = await GatewayHost.StartAsync(bundle.Directory, scrape.Settings());
        var metrics = gateway.Services.GetRequiredService<GatewayMetrics>();
        var mark = Mark();

        for (var i = 0; i < 300; i++)
        {
            metrics.Refusals.Add(1, new KeyValuePair<string, object?>("code", mark + i.ToString(CultureInfo.InvariantCulture)));
            RecordDecision(metrics, "allow", mark + i.ToString(CultureInfo.InvariantCulture));
        }

        // Gateways of other tests in this process record on meters of the same names, which every meter provider here
        // hears: count this test's series by their mark, and the overflow series, which may hold others' too.
        var samples = await scrape.SamplesAsync();
        var refused = Series(samples, "gateway_requests_refused_total", mark);
        var refusedOverflow = Series(samples, "gateway_requests_refused_total", Overflow);
        var decisions = Series(samples, "gateway_decisions_total", mark);

        Assert.InRange(refused.Count, 1, MetricCardinality.EnumeratedLimit);
        Assert.True(refused.Sum(static s => s.Value) + refusedOverflow.Sum(static s => s.Value) >= 300, "refusals went uncounted");
        Assert.NotEmpty(refusedOverflow);
        Assert.Equal(300, decisions.Count);
        Assert.Empty(Series(samples, "gateway_decisions_total", Overflow));
    }

    [Fact]
    public async Task Metrics_WithALowerConfiguredLimit_OverflowTenantsPastIt()
    {
        using var bundle = DemoBundle.Create();
        using var scrape = new MetricsScrape();
        await using var gateway = await GatewayHost.StartAsync(bundle.Directory, scrape.Settings((MetricCardinality.LimitKey, "50")));
        var metrics = gateway.Services.GetRequiredService<GatewayMetrics>();
        var mark = Mark();

        for (var i = 0; i < 100; i++)
        {
            RecordDecision(metrics, "block", mark + i.ToString(CultureInfo.InvariantCulture));
        }

        var samples = await scrape.SamplesAsync();
        var decisions = Series(samples, "gateway_decisions_total", mark);
        var overflow = Series(samples, "gateway_decisions_total", Overflow);

        Assert.InRange(decisions.Count, 1, 50);
        Assert.NotEmpty(overflow);
        Assert.True(decisions.Sum(static s => s.Value) + overflow.Sum(static s => s.Value) >= 100, "decisions went uncounted");
    }

    /// <summary>One decision of <paramref name="tenant"/>, no control failing.</summary>
    private static void RecordDecision(GatewayMetrics metrics, string decision, string tenant) =>
        metrics.Decisions.Add(
            1,
            new KeyValuePair<string, object?>("decision", decision),
            new KeyValuePair<string, object?>("control", "none"),
            new KeyValuePair<string, object?>("tenant", tenant));

    /// <summary>A tag value prefix no other test uses.</summary>
    private static string Mark() => "cardinality-" + Guid.NewGuid().ToString("N")[..8] + "-";

    private static List<(string Name, string Labels, double Value)> Series(IReadOnlyList<(string Name, string Labels, double Value)> samples, string name, string labelText) =>
        [.. samples.Where(s => s.Name == name && s.Value > 0 && s.Labels.Contains(labelText, StringComparison.Ordinal))];

    /// <summary>The instrument table of docs/observability.md (its five columns; the span attributes' table has two): each row's name and tags.</summary>
    private static List<(string Name, string Tags)> DocumentedInstruments()
    {
        var rows = new List<(string, string)>();
        foreach (var line in File.ReadLines(Path.Combine(RepositoryRoot.Path, "docs", "observability.md")))
        {
            if (!line.StartsWith("| `gateway.", StringComparison.Ordinal))
            {
                continue;
            }

            var cells = line.Split(" | ");
            if (cells.Length < 5)
            {
                continue;
            }

            rows.Add((cells[0].TrimStart('|', ' ').Trim('`'), cells[2]));
        }

        return rows;
    }
}
