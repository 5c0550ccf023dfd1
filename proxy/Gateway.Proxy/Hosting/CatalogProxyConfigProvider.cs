using Gateway.Policy;
using Gateway.Proxy.Bundle;
using Gateway.Proxy.Forward;
using Gateway.Proxy.Routing;
using Microsoft.Extensions.Primitives;
using Yarp.ReverseProxy.Configuration;

namespace Gateway.Proxy.Hosting;

/// <summary>
/// YARP's configuration, derived from the loaded bundle: the agent routes the registered route kinds bring
/// (<see cref="RouteKindRoute"/>), one cluster per connector (<see cref="ConnectorClusters"/>) and its routes, whose
/// transforms are configured by the connector's values (<see cref="ConnectorRouteConfigs"/>).
/// A policy reload swaps the whole configuration at once, before the new policy is in force
/// (<see cref="PolicyProvider.Applying"/>), so a request decided on the new policy always finds its
/// connector's cluster. A cluster a reload leaves out (its connector removed, or moved: a cluster is named by its
/// addresses) is kept with its routes for a while (<see cref="RetiredClusters"/>), so a request decided on the old policy
/// an instant earlier still forwards where it was decided to go; the first reload after that drops it.
/// </summary>
internal sealed class CatalogProxyConfigProvider : IProxyConfigProvider, IDisposable
{
    private readonly PolicyProvider _policy;
    private readonly TimeProvider _time;
    private readonly IReadOnlyList<RouteConfig> _agentRoutes;
    private readonly Lock _gate = new();
    private CatalogProxyConfig _config;

    public CatalogProxyConfigProvider(PolicyProvider policy, IEnumerable<RouteKindRoute> kindRoutes, TimeProvider time)
    {
        _policy = policy;
        _time = time;
        _agentRoutes = [.. kindRoutes.Select(static registered => registered.Route)];
        var set = policy.Current?.Set;
        _config = new CatalogProxyConfig([.. _agentRoutes, .. ConnectorRouteConfigsOf(set)], ConnectorClusters.Build(set));
        _policy.Applying += OnApplying;
    }

    /// <inheritdoc/>
    public IProxyConfig GetConfig() => _config;

    /// <summary>
    /// The connectors' routes (<see cref="ConnectorRouteConfigs"/>): never matched (their endpoints suppress matching);
    /// should one be, it is still an agent route, as every YARP route is (<c>GatewayApplication.UseGatewayPipeline</c>).
    /// </summary>
    private static IEnumerable<RouteConfig> ConnectorRouteConfigsOf(PolicySet? set) => ConnectorRouteConfigs.Build(set);

    public void Dispose() => _policy.Applying -= OnApplying;

    private void OnApplying(PolicySnapshot snapshot) => Apply(snapshot.Set);

    private void Apply(PolicySet set)
    {
        CatalogProxyConfig previous;
        lock (_gate)
        {
            previous = _config;
            var clusters = ConnectorClusters.Build(set).ToList();
            var routes = new List<RouteConfig>(_agentRoutes);
            routes.AddRange(ConnectorRouteConfigsOf(set));
            var ids = clusters.Select(static c => c.ClusterId).ToHashSet(StringComparer.OrdinalIgnoreCase);
            var retiring = RetiredClusters.Kept(previous.Clusters, previous.Retiring, ids, _time.GetUtcNow());
            clusters.AddRange(previous.Clusters.Where(cluster => retiring.ContainsKey(cluster.ClusterId)));

            // A retiring cluster keeps its connector's routes for as long.
            routes.AddRange(previous.Routes.Where(route => ConnectorRoutes.IsConnectorRoute(route) && retiring.ContainsKey(route.ClusterId!)));
            _config = new CatalogProxyConfig(routes, clusters, retiring);
        }

        // YARP applies the new configuration on this signal, synchronously for this provider.
        previous.SignalChange();
    }

    /// <summary>One immutable configuration with the token that tells YARP it was replaced.</summary>
    private sealed class CatalogProxyConfig : IProxyConfig
    {
        private readonly CancellationTokenSource _changed = new();

        public CatalogProxyConfig(IReadOnlyList<RouteConfig> routes, IReadOnlyList<ClusterConfig> clusters, IReadOnlyDictionary<string, DateTimeOffset>? retiring = null)
        {
            Routes = routes;
            Clusters = clusters;
            Retiring = retiring ?? new Dictionary<string, DateTimeOffset>();
            ChangeToken = new CancellationChangeToken(_changed.Token);
        }

        public IReadOnlyList<RouteConfig> Routes { get; }

        public IReadOnlyList<ClusterConfig> Clusters { get; }

        /// <summary>Clusters kept only so that requests decided on an earlier policy still forward, with when a reload first left each out.</summary>
        public IReadOnlyDictionary<string, DateTimeOffset> Retiring { get; }

        public IChangeToken ChangeToken { get; }

        public void SignalChange() => _changed.Cancel();
    }
}
