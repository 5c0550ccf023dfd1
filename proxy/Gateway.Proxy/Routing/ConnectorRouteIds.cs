using System.Collections.Concurrent;

namespace Gateway.Proxy.Routing;

/// <summary>
/// A connector's cluster id (<see cref="ConnectorClusters.IdOf"/>) and the ids of its two routes
/// (<see cref="ConnectorRoutes.IdOf"/>), made once per tenant and connector name and kept, so that moving a decided
/// request onto its connector's route builds no id string. Names come from the policy; past <see cref="MaxKept"/> pairs
/// (names renamed over many reloads) the ids kept are dropped and made again as asked for.
/// </summary>
internal sealed class ConnectorRouteIds
{
    /// <summary>The most tenant and connector pairs kept.</summary>
    public const int MaxKept = 4096;

    private static readonly ConcurrentDictionary<(string Tenant, string Connector), ConnectorRouteIds> s_kept = new();

    private readonly string _providerRoute;
    private readonly string _nativeRoute;

    private ConnectorRouteIds(string tenant, string connector)
    {
        ClusterId = ConnectorClusters.IdOf(tenant, connector);
        _providerRoute = ConnectorRoutes.IdOf(ClusterId, passesBodyThrough: true);
        _nativeRoute = ConnectorRoutes.IdOf(ClusterId, passesBodyThrough: false);
    }

    /// <summary>The connector's cluster.</summary>
    public string ClusterId { get; }

    /// <summary>The id of the route a request is sent on (as <see cref="ConnectorRoutes.IdOf"/> names it).</summary>
    public string RouteId(bool passesBodyThrough) => passesBodyThrough ? _providerRoute : _nativeRoute;

    /// <summary>The ids of <paramref name="connector"/>'s cluster and routes in <paramref name="tenant"/>.</summary>
    public static ConnectorRouteIds Of(string tenant, string connector)
    {
        if (s_kept.TryGetValue((tenant, connector), out var ids))
        {
            return ids;
        }

        if (s_kept.Count >= MaxKept)
        {
            s_kept.Clear();
        }

        return s_kept.GetOrAdd((tenant, connector), static key => new ConnectorRouteIds(key.Tenant, key.Connector));
    }
}
