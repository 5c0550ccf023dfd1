using System.Runtime.CompilerServices;
using Gateway.Policy;

namespace Gateway.Proxy.Routing;

/// <summary>
/// A connector's cluster id (<see cref="ConnectorClusters.IdOf"/>) and the ids of its two routes
/// (<see cref="ConnectorRoutes.IdOf"/>), made once per entry of a loaded policy and kept with it, so that moving a decided
/// request onto its connector's route builds no id string.
/// </summary>
internal sealed class ConnectorRouteIds
{
    private static readonly ConditionalWeakTable<CatalogEntry, ConnectorRouteIds> s_kept = [];

    private readonly string _tenant;
    private readonly string _providerRoute;
    private readonly string _nativeRoute;

    private ConnectorRouteIds(string tenant, CatalogEntry entry)
    {
        _tenant = tenant;
        ClusterId = ConnectorClusters.IdOf(tenant, entry);
        _providerRoute = ConnectorRoutes.IdOf(ClusterId, passesBodyThrough: true);
        _nativeRoute = ConnectorRoutes.IdOf(ClusterId, passesBodyThrough: false);
    }

    /// <summary>The connector's cluster.</summary>
    public string ClusterId { get; }

    /// <summary>The id of the route a request is sent on (as <see cref="ConnectorRoutes.IdOf"/> names it).</summary>
    public string RouteId(bool passesBodyThrough) => passesBodyThrough ? _providerRoute : _nativeRoute;

    /// <summary>The ids of the cluster and routes of <paramref name="entry"/>, a connector of <paramref name="tenant"/>.</summary>
    public static ConnectorRouteIds Of(string tenant, CatalogEntry entry)
    {
        if (s_kept.TryGetValue(entry, out var kept) && string.Equals(kept._tenant, tenant, StringComparison.Ordinal))
        {
            return kept;
        }

        // An entry is one tenant's; should one be shared, the first tenant's ids are kept and the other's made as asked for.
        var made = new ConnectorRouteIds(tenant, entry);
        s_kept.TryAdd(entry, made);
        return made;
    }
}
