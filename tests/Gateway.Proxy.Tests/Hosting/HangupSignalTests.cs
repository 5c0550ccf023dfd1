using System.Net;
using Gateway.Proxy.Tests.Infrastructure;
using Gateway.Proxy.Tests.Telemetry;
using Gateway.Testing;

namespace Gateway.Proxy.Tests.Hosting;

/// <summary>
/// SIGHUP (systemd's <c>ExecReload</c>, a terminal that hangs up, the "HUP to reload" habit) sent to the gateway binary:
/// the process stays up and serving, and the policy is reloaded as the file watcher reloads it (counted as a reload).
/// </summary>
public sealed class HangupSignalTests : IDisposable
{
    private const string Reloads = "gateway_policy_reloads_total";
    private readonly DemoBundle _bundle = DemoBundle.Create();
    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("gw-hangup-").FullName;
    private readonly MetricsScrape _metrics = new();

    public void Dispose()
    {
        _metrics.Dispose();
        _bundle.Dispose();
        Directory.Delete(_dataDirectory, recursive: true);
    }

    [Fact]
    public async Task Sighup_RunningGateway_StaysUpAndReloadsThePolicy()
    {
        var environment = new Dictionary<string, string>
        {
            ["Gateway__Policy__BundlePath"] = _bundle.Directory,
            ["Gateway__DataDirectory"] = _dataDirectory,
            ["Logging__LogLevel__Default"] = "Warning",
        };
        foreach (var (key, value) in _metrics.Settings())
        {
            environment[key.Replace(":", "__", StringComparison.Ordinal)] = value!;
        }

        GatewayProcess.AddFreshKeys(environment);
        using var gateway = await GatewayProcess.StartAsync(environment, hangupAsDefault: true);
        var before = await Eventually.ReturnsAsync(AppliedReloadsAsync, static n => n >= 1, TimeSpan.FromSeconds(30), n => $"{n} applied reloads after start");

        // The bundle is unchanged, so neither the watcher nor the poll reloads it: only the signal can.
        await gateway.SignalAsync("HUP");

        await Eventually.ReturnsAsync(
            async () =>
            {
                Assert.False(gateway.HasExited, "the gateway exited on SIGHUP");
                return await AppliedReloadsAsync();
            },
            n => n == before + 1,
            TimeSpan.FromSeconds(30),
            n => $"applied reloads stayed at {n} after SIGHUP (before: {before})");
        Assert.False(gateway.HasExited);
        using var ready = await gateway.Http.GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        using var evaluate = await new AgentClient(gateway.Http, _bundle.AgentSecret).PostJsonAsync("/v1/evaluate", """{"tool":"crm.read_contact","args":{"id":"42"}}""");
        Assert.Equal(HttpStatusCode.OK, evaluate.StatusCode);
    }

    /// <summary><c>gateway_policy_reloads_total{result="applied"}</c> as <c>/metrics</c> serves it now (0 before its first count).</summary>
    private async Task<double> AppliedReloadsAsync() =>
        (await _metrics.SamplesAsync())
            .Where(static s => s.Name == Reloads && s.Labels.Contains("result=\"applied\"", StringComparison.Ordinal))
            .Sum(static s => s.Value);
}
