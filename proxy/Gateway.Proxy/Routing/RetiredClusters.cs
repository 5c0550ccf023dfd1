using Yarp.ReverseProxy.Configuration;

namespace Gateway.Proxy.Routing;

/// <summary>
/// The clusters a policy reload left out (a connector removed, or moved: its cluster is named by its addresses) that stay
/// in service for requests decided on an earlier policy: each for <see cref="Lifetime"/> after the reload that first left
/// it out, however many reloads follow.
/// </summary>
internal static class RetiredClusters
{
    /// <summary>How long a cluster a reload left out stays in service.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Of the <paramref name="previous"/> clusters, those not in <paramref name="current"/> still within their lifetime at
    /// <paramref name="now"/>, each with when a reload first left it out (<paramref name="retired"/> says for those retired before).
    /// </summary>
    public static IReadOnlyDictionary<string, DateTimeOffset> Kept(IEnumerable<ClusterConfig> previous, IReadOnlyDictionary<string, DateTimeOffset> retired,
        IReadOnlySet<string> current, DateTimeOffset now)
    {
        var kept = new Dictionary<string, DateTimeOffset>(StringComparer.OrdinalIgnoreCase);
        foreach (var cluster in previous)
        {
            if (current.Contains(cluster.ClusterId))
            {
                continue;
            }

            var since = retired.TryGetValue(cluster.ClusterId, out var first) ? first : now;
            if (now - since < Lifetime)
            {
                kept[cluster.ClusterId] = since;
            }
        }

        return kept;
    }
}
