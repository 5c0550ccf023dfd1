using Gateway.Connectors.Kinds;
using Gateway.Policy;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Health;

namespace Gateway.Proxy.Routing;

/// <summary>
/// One YARP cluster per connector of every tenant and its addresses: its upstream and <c>destinations</c> as
/// destinations (named by them too, <see cref="IdOf"/>, so a request decided before a reload moved the connector is never
/// sent to where it moved), active health checks when the entry declares <c>health_check</c>, passive health
/// checks always (a destination failing transport is taken out of rotation for a while), and the
/// connector's timeout as the forwarding timeout. <c>mcp_tool</c> entries have no cluster: they are
/// forwarded to their MCP server's.
/// </summary>
internal static class ConnectorClusters
{
    /// <summary>
    /// The cluster every agent route points at until a decision assigns the connector's cluster: it has
    /// no destinations, so a request that was not decided has nowhere to go.
    /// </summary>
    public const string UnassignedCluster = "gamut-unassigned";

    /// <summary>How long a destination that failed passive health checks stays out of rotation.</summary>
    private static readonly TimeSpan ReactivationPeriod = TimeSpan.FromSeconds(10);

    /// <summary>Cluster metadata: the tenant, the connector and its kind.</summary>
    public const string TenantKey = "GamutTenant";

    public const string ConnectorKey = "GamutConnector";

    public const string KindKey = "GamutKind";

    /// <summary>The kind of the connector a cluster's metadata names, or null for a cluster that is no connector's.</summary>
    public static ConnectorKind? KindOf(IReadOnlyDictionary<string, string>? metadata) =>
        metadata is not null && metadata.TryGetValue(KindKey, out var text) && Enum.TryParse<ConnectorKind>(text, out var kind)
            ? kind
            : null;

    /// <summary>
    /// The cluster id of a tenant's connector as <paramref name="entry"/> declares it: <c>tenant/connector@addresses</c>, the
    /// last part a digest of its upstream and destinations (<see cref="UpstreamDigest"/>).
    /// </summary>
    public static string IdOf(string tenant, CatalogEntry entry) => tenant + "/" + entry.Name + "@" + UpstreamDigest.Of(entry);

    /// <summary>The ids of the cluster (and its routes) a decided entry forwards to (an mcp_tool entry's is its server's), or null when it has none.</summary>
    public static ConnectorRouteIds? IdFor(TenantPolicy tenant, CatalogEntry entry) =>
        entry.Type().ForwardedEntry(tenant, entry) is { Upstream: not null } forwarded ? ConnectorRouteIds.Of(tenant.Slug, forwarded) : null;

    /// <summary>Every connector cluster of a policy set, plus the unassigned cluster the routes start on.</summary>
    public static IReadOnlyList<ClusterConfig> Build(PolicySet? set)
    {
        var clusters = new List<ClusterConfig> { new() { ClusterId = UnassignedCluster } };
        if (set is null)
        {
            return clusters;
        }

        foreach (var tenant in set.Tenants.Values)
        {
            foreach (var entry in tenant.Catalog)
            {
                if (entry.Type().HasOwnUpstream && entry.Upstream is { } upstream)
                {
                    clusters.Add(Build(tenant.Slug, entry, upstream));
                }
            }
        }

        return clusters;
    }

    private static ClusterConfig Build(string tenant, CatalogEntry entry, Uri upstream)
    {
        var destinations = new Dictionary<string, DestinationConfig>(StringComparer.OrdinalIgnoreCase)
        {
            ["upstream"] = new() { Address = upstream.AbsoluteUri },
        };
        for (var i = 0; i < entry.Destinations.Count; i++)
        {
            destinations["destination-" + (i + 1)] = new() { Address = entry.Destinations[i].AbsoluteUri };
        }

        return new ClusterConfig
        {
            ClusterId = IdOf(tenant, entry),
            Destinations = destinations,
            LoadBalancingPolicy = destinations.Count > 1 ? "PowerOfTwoChoices" : null,
            HealthCheck = new HealthCheckConfig
            {
                Active = entry.HealthCheck is { } check
                    ? new ActiveHealthCheckConfig
                    {
                        Enabled = true,
                        Interval = check.Interval,
                        Timeout = check.Timeout,
                        Path = check.Path,
                        Policy = HealthCheckConstants.ActivePolicy.ConsecutiveFailures,
                    }
                    : null,
                Passive = new PassiveHealthCheckConfig
                {
                    Enabled = true,
                    Policy = HealthCheckConstants.PassivePolicy.TransportFailureRate,
                    ReactivationPeriod = ReactivationPeriod,
                },
            },
            HttpRequest = new ForwarderRequestConfig
            {
                ActivityTimeout = entry.Limits.UpstreamTimeout,

                // HTTP/2 where the upstream negotiates it (TLS + ALPN), HTTP/1.1 otherwise.
                Version = new Version(2, 0),
                VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
            },
            HttpClient = new HttpClientConfig
            {
                EnableMultipleHttp2Connections = true,
                DangerousAcceptAnyServerCertificate = false,
            },
            Metadata = new Dictionary<string, string>
            {
                [TenantKey] = tenant,
                [ConnectorKey] = entry.Name,
                [KindKey] = entry.Kind.ToString(),
            },
        };
    }
}
