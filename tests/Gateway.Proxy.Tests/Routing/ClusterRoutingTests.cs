using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Yarp.ReverseProxy;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Model;
using Gateway.Proxy.Bundle;
using Gateway.Proxy.Routing;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.Routing;

/// <summary>
/// The connector clusters YARP forwards to come from the bundle: a reload moves traffic under load
/// without a failed request, and a destination that fails its health check is taken out of rotation.
/// Real Kestrel upstreams, a real gateway.
/// </summary>
public sealed class ClusterRoutingTests
{
    private const string ReadContactUpstream = "    upstream: http://127.0.0.1:9110/crm\n    credential: vault:crm-token\n    http: { method: GET";

    [Fact]
    public async Task Reload_UpstreamMovedUnderLoad_NoRequestFailsAndTrafficMoves()
    {
        await using var first = await StartCrmAsync("first");
        await using var second = await StartCrmAsync("second");
        await using var gw = await GovernedGateway.StartAsync(text => text
            .Replace(ReadContactUpstream, ReadContactUpstream.Replace("http://127.0.0.1:9110", first.Origin, StringComparison.Ordinal), StringComparison.Ordinal)
            .Replace("limit: 120, window: 1m", "limit: 100000, window: 1m", StringComparison.Ordinal)
            .Replace("limit: 1000, window: 1m", "limit: 100000, window: 1m", StringComparison.Ordinal));

        var failures = new ConcurrentQueue<string>();
        var served = new ConcurrentDictionary<string, int>();
        using var stop = new CancellationTokenSource();
        var workers = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                using var response = await gw.Agent.SendAsync(gw.Agent.Create(HttpMethod.Post, "/v1/actions/invoke-tool",
                    """{"tool":"crm.read_contact","args":{"id":"c-1"}}"""));
                var body = await response.Content.ReadAsStringAsync();
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    failures.Enqueue($"{(int)response.StatusCode}: {body}");
                    continue;
                }

                var server = JsonDocument.Parse(body).RootElement.GetProperty("result").GetProperty("server").GetString()!;
                served.AddOrUpdate(server, 1, static (_, n) => n + 1);
            }
        })).ToArray();

        await EventuallyAsync(() => served.GetValueOrDefault("first") >= 10, "the first upstream serves before the reload");
        gw.Bundle.Rewrite(text => text.Replace(first.Origin + "/crm\n    credential: vault:crm-token\n    http: { method: GET",
            second.Origin + "/crm\n    credential: vault:crm-token\n    http: { method: GET", StringComparison.Ordinal));
        Assert.Empty(await gw.Host.Services.GetRequiredService<PolicyProvider>().ReloadAsync());
        var firstAtReload = served.GetValueOrDefault("first");
        await EventuallyAsync(() => served.GetValueOrDefault("second") >= 20, "traffic moves to the second upstream after the reload");
        await stop.CancelAsync();
        await Task.WhenAll(workers);

        Assert.Empty(failures);
        Assert.True(served.GetValueOrDefault("first") >= firstAtReload);
        Assert.Equal(second.Origin + "/crm", ClusterOf(gw, "crm.read_contact").Destinations.Values.Single().Model.Config.Address.TrimEnd('/'));
    }

    [Fact]
    public async Task ConnectorRoute_ItsOwnPath_NeverMatchedYetLoadedOnTheConnectorsCluster()
    {
        await using var gw = await GovernedGateway.StartAsync();

        using var response = await gw.Agent.SendAsync(gw.Agent.Create(HttpMethod.Post, ConnectorRoutes.UnmatchedPath,
            """{"tool":"crm.read_contact","args":{"id":"c-1"}}"""));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var lookup = gw.Host.Services.GetRequiredService<IProxyStateLookup>();
        var clusterId = ClusterOf(gw, "crm.read_contact").ClusterId;
        Assert.StartsWith("demo/crm.read_contact@", clusterId, StringComparison.Ordinal);
        Assert.True(lookup.TryGetRoute(ConnectorRoutes.IdOf(clusterId, passesBodyThrough: false), out var route));
        Assert.Equal(clusterId, route.Cluster!.ClusterId);
        Assert.True(lookup.TryGetRoute(ConnectorRoutes.IdOf(clusterId, passesBodyThrough: true), out _));
    }

    [Fact]
    public async Task HealthCheck_DestinationDown_TakenOutOfRotationAndEveryRequestServed()
    {
        await using var healthy = await StartCrmAsync("healthy");
        var failing = await StartCrmAsync("failing");
        await using var gw = await GovernedGateway.StartAsync(text => text.Replace(ReadContactUpstream,
            $"    upstream: {healthy.Origin}/crm\n    destinations: [\"{failing.Origin}/crm\"]\n    health_check: {{ path: /healthz, interval: 1s, timeout: 1s }}\n    credential: vault:crm-token\n    http: {{ method: GET",
            StringComparison.Ordinal));
        var cluster = ClusterOf(gw, "crm.read_contact");
        Assert.Equal(2, cluster.Destinations.Count);

        // Both destinations serve while both are up.
        var served = new HashSet<string>();
        for (var i = 0; i < 60 && served.Count < 2; i++)
        {
            served.Add(await ReadContactAsync(gw));
        }

        Assert.Equal(["failing", "healthy"], served.Order());

        // One goes down: the active health check takes it out of rotation.
        await failing.DisposeAsync();
        await EventuallyAsync(() => cluster.Destinations.Values.Any(d => d.Health.Active == DestinationHealth.Unhealthy),
            "the stopped destination is marked unhealthy by the active health check");

        for (var i = 0; i < 20; i++)
        {
            Assert.Equal("healthy", await ReadContactAsync(gw));
        }
    }

    /// <summary>The cluster YARP holds for a demo connector as the policy in force declares it.</summary>
    internal static ClusterState ClusterOf(GovernedGateway gw, string connector)
    {
        var demo = gw.Host.Services.GetRequiredService<PolicyProvider>().Current!.Set.Tenants["demo"];
        var id = ConnectorClusters.IdOf("demo", demo.Catalog.Single(entry => entry.Name == connector));
        Assert.True(gw.Host.Services.GetRequiredService<IProxyStateLookup>().TryGetCluster(id, out var cluster), id);
        return cluster;
    }

    private static async Task<string> ReadContactAsync(GovernedGateway gw)
    {
        using var response = await gw.Agent.SendAsync(gw.Agent.Create(HttpMethod.Post, "/v1/actions/invoke-tool",
            """{"tool":"crm.read_contact","args":{"id":"c-1"}}"""));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        return JsonDocument.Parse(body).RootElement.GetProperty("result").GetProperty("server").GetString()!;
    }

    private static Task<KestrelUpstream> StartCrmAsync(string name) => KestrelUpstream.StartAsync(app =>
    {
        app.MapGet("/crm/healthz", () => Results.Ok());
        app.MapGet("/crm/contacts/{id}", (string id) => Results.Json(new { server = name, id }));
    });

    private static Task EventuallyAsync(Func<bool> condition, string what) =>
        Gateway.Testing.Eventually.HoldsAsync(condition, TimeSpan.FromSeconds(60), "timed out waiting until " + what);
}
