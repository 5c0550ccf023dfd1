using System.Diagnostics.Metrics;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.Telemetry;

/// <summary>
/// The real gateway serves Prometheus /metrics on a port of its own (and only there), every counter is
/// present from start-up at 0, every refusal counts once under its code whichever stage refused it, and every metric the
/// chart's Grafana dashboard queries is one it exports. Alone, after the parallel tests: another test's gateway counting
/// a replay meanwhile showed in this one's start-up counts.
/// </summary>
[Collection(ProcessMetersCollection.Name)]
public sealed partial class PrometheusMetricsTests
{
    private const string EvaluateBody = """{"tool":"crm.read_contact","args":{"id":"42"}}""";

    private static readonly HashSet<string> PromQlWords = new(StringComparer.Ordinal)
    {
        "sum", "rate", "irate", "increase", "histogram_quantile", "avg", "max", "min", "count", "by", "without", "le",
        "on", "ignoring", "group_left", "group_right", "and", "or", "unless", "offset", "bool", "topk", "bottomk", "clamp_min", "clamp_max",
    };

    [Fact]
    public async Task Metrics_FromStartUp_HasEveryGatewayCounterAtZero()
    {
        using var bundle = DemoBundle.Create();
        using var metrics = new MetricsScrape();
        await using var gateway = await GatewayHost.StartAsync(bundle.Directory, metrics.Settings());

        var samples = await metrics.SamplesAsync();

        var counters = GatewayCounterNames();
        Assert.NotEmpty(counters);
        foreach (var counter in counters)
        {
            var series = samples.Where(s => s.Name == counter).ToList();
            Assert.True(series.Count > 0, $"{counter} is missing from /metrics at start-up. Present: {string.Join(", ", samples.Select(s => s.Name).Distinct())}");
            Assert.Contains(series, s => s.Value == 0);
        }
    }

    [Fact]
    public async Task Metrics_FromStartUp_AlertedLabelSeriesAreAtZero()
    {
        using var bundle = DemoBundle.Create();
        using var metrics = new MetricsScrape();
        await using var gateway = await GatewayHost.StartAsync(bundle.Directory, metrics.Settings());

        var samples = await metrics.SamplesAsync();

        // Every selector of the documented alert rules that names its labels exactly, then those operations.md and the
        // regular expressions of observability.md's rules select.
        List<(string Name, string[] Labels)> expected =
        [
            .. AlertSelectors(),
            ("gateway_budget_settle_retries_total", ["result=\"expired\""]),
            ("gateway_budget_settle_retries_total", ["result=\"lost\""]),
            ("gateway_run_settle_retries_total", ["result=\"expired\""]),
            ("gateway_run_settle_retries_total", ["result=\"lost\""]),
            ("gateway_store_errors_total", ["operation=\"log_append\"", "error_kind=\"unavailable\""]),
            ("gateway_store_errors_total", ["operation=\"log_append_admit\"", "error_kind=\"timeout\""]),
        ];
        Assert.Contains(expected, static e => e.Name == "gateway_policy_reloads_total" && e.Labels.SequenceEqual(["result=\"refused\""]));
        foreach (var (name, labels) in expected)
        {
            Assert.True(
                samples.Any(s => s.Name == name && s.Value == 0 && labels.All(label => s.Labels.Contains(label, StringComparison.Ordinal))),
                $"{name}{{{string.Join(",", labels)}}} is not at 0 at start-up. Its series: {string.Join("; ", samples.Where(s => s.Name == name).Select(static s => $"{{{s.Labels}}} {s.Value}"))}");
        }
    }

    [Fact]
    public async Task MetricsPort_ServesOnlyMetrics_AndTheGatewayPortServesNoMetrics()
    {
        using var bundle = DemoBundle.Create();
        using var metrics = new MetricsScrape();
        await using var gateway = await GatewayHost.StartAsync(bundle.Directory, metrics.Settings());

        using var healthOnMetricsPort = await metrics.Client.GetAsync("/healthz");
        using var adminOnMetricsPort = await metrics.Client.GetAsync("/admin/v1/tokens");
        using var metricsOnGatewayPort = await gateway.Client.GetAsync("/metrics");
        using var health = await gateway.Client.GetAsync("/healthz");

        Assert.Equal(HttpStatusCode.NotFound, healthOnMetricsPort.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, adminOnMetricsPort.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, metricsOnGatewayPort.StatusCode);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task Dashboard_EveryPanelQuery_NamesAMetricTheGatewayExports()
    {
        using var bundle = DemoBundle.Create();
        using var metrics = new MetricsScrape();
        await using var gateway = await GatewayHost.StartAsync(bundle.Directory, metrics.Settings());
        var agent = new AgentClient(gateway.Client, bundle.AgentSecret);
        using (var response = await agent.PostJsonAsync("/v1/evaluate", EvaluateBody))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var exported = (await metrics.SamplesAsync()).Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
        var queried = DashboardMetricNames(Path.Combine(RepositoryRoot.Path, "charts", "gateway", "dashboards"));

        Assert.NotEmpty(queried);
        var missing = queried.Where(name => !exported.Contains(name)).Order(StringComparer.Ordinal).ToList();
        Assert.True(missing.Count == 0, "Dashboard panels query metrics the gateway does not export: " + string.Join(", ", missing));
    }

    [Fact]
    public async Task Refusals_AtEachStage_CountedOnceUnderTheirCode()
    {
        using var bundle = DemoBundle.Create();
        using var metrics = new MetricsScrape();
        await using var gateway = await GatewayHost.StartAsync(bundle.Directory, metrics.Settings());
        var agent = new AgentClient(gateway.Client, bundle.AgentSecret);

        using (var unsigned = await gateway.Client.PostAsync("/v1/evaluate", new StringContent("""{"tool":"crm.read_contact"}""")))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, unsigned.StatusCode);
        }

        using var first = agent.Create(HttpMethod.Post, "/v1/evaluate", """{"tool":"crm.read_contact","args":{"id":"42"}}""");
        using var replay = await AgentClient.CloneAsync(first);
        using (var answered = await agent.SendAsync(first))
        {
            Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
        }

        using (var replayed = await agent.SendAsync(replay))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, replayed.StatusCode);
        }

        using (var blocked = await agent.PostJsonAsync("/v1/actions/invoke-tool", """{"tool":"shell.exec","args":{"cmd":"ls"}}"""))
        {
            Assert.Equal(HttpStatusCode.Forbidden, blocked.StatusCode);
        }

        var refused = (await metrics.SamplesAsync())
            .Where(static s => s.Name == "gateway_requests_refused_total" && s.Value > 0)
            .ToDictionary(static s => s.Labels, static s => s.Value, StringComparer.Ordinal);
        Assert.Equal(1, Count(refused, "missing_header"));
        Assert.Equal(1, Count(refused, "replayed_nonce"));
        Assert.Equal(1, Count(refused, "blocked"));
        Assert.Equal(3, refused.Values.Sum());
    }

    /// <summary>The Prometheus names of every counter on the gateway's meters, as the exporter writes them.</summary>
    private static List<string> GatewayCounterNames()
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, _) =>
            {
                if (instrument.Meter.Name.StartsWith("Gateway", StringComparison.Ordinal))
                {
                    var name = instrument.Name.Replace('.', '_');
                    switch (instrument)
                    {
                        case Counter<long> or Counter<double>:
                            names.Add(name + "_total");
                            break;
                        case UpDownCounter<long> or UpDownCounter<double>:
                            names.Add(name);
                            break;
                    }
                }
            },
        };
        listener.Start();
        return [.. names];
    }

    /// <summary>
    /// Each selector of docs/observability.md's alert rules whose matchers (but <c>job</c>) are all exact
    /// (<c>label="value"</c>): the metric's name and its <c>label="value"</c> matchers.
    /// </summary>
    private static List<(string Name, string[] Labels)> AlertSelectors()
    {
        var text = File.ReadAllText(Path.Combine(RepositoryRoot.Path, "docs", "observability.md"));
        var alerts = text[text.IndexOf("\n## Alerts", StringComparison.Ordinal)..];
        alerts = alerts[..alerts.IndexOf("\n```\n", StringComparison.Ordinal)];
        var selectors = new List<(string Name, string[] Labels)>();
        foreach (Match match in AlertSelector().Matches(alerts))
        {
            var matchers = match.Groups["matchers"].Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                .Where(static m => !m.StartsWith("job=", StringComparison.Ordinal))
                .ToArray();
            if (matchers.Length > 0 && matchers.All(static m => ExactMatcher().IsMatch(m)))
            {
                selectors.Add((match.Groups["name"].Value, [.. matchers.Select(static m => m.Replace(" ", string.Empty, StringComparison.Ordinal))]));
            }
        }

        return selectors;
    }

    /// <summary>Every metric name in every panel query (<c>expr</c>) of the dashboards in <paramref name="directory"/>.</summary>
    private static HashSet<string> DashboardMetricNames(string directory)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in Directory.GetFiles(directory, "*.json"))
        {
            using var document = JsonDocument.Parse(File.ReadAllText(file));
            foreach (var expression in Expressions(document.RootElement))
            {
                var bare = Selector().Replace(expression, " ");
                bare = Range().Replace(bare, " ");
                bare = Grouping().Replace(bare, " ");
                foreach (Match match in Identifier().Matches(bare))
                {
                    var name = match.Groups["name"].Value;
                    var isCall = match.Groups["call"].Success;
                    if (!isCall && !PromQlWords.Contains(name))
                    {
                        names.Add(name);
                    }
                }
            }
        }

        return names;
    }

    private static IEnumerable<string> Expressions(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    if (property.Name == "expr" && property.Value.ValueKind == JsonValueKind.String)
                    {
                        yield return property.Value.GetString()!;
                    }
                    else
                    {
                        foreach (var nested in Expressions(property.Value))
                        {
                            yield return nested;
                        }
                    }
                }

                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    foreach (var nested in Expressions(item))
                    {
                        yield return nested;
                    }
                }

                break;
        }
    }

    [GeneratedRegex(@"(?<name>gateway_[a-z0-9_]+)\{(?<matchers>[^}]*)\}")]
    private static partial Regex AlertSelector();

    [GeneratedRegex(@"^[a-z_]+\s*=\s*""[^""]*""$")]
    private static partial Regex ExactMatcher();

    [GeneratedRegex(@"\{[^}]*\}")]
    private static partial Regex Selector();

    [GeneratedRegex(@"\[[^\]]*\]")]
    private static partial Regex Range();

    [GeneratedRegex(@"\b(by|without|on|ignoring)\s*\([^)]*\)")]
    private static partial Regex Grouping();

    [GeneratedRegex(@"(?<![\w$.])(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(?<call>\s*\()?")]
    private static partial Regex Identifier();

    private static double Count(Dictionary<string, double> refused, string code) =>
        refused.Where(s => s.Key.Contains($"code=\"{code}\"", StringComparison.Ordinal)).Sum(static s => s.Value);
}
