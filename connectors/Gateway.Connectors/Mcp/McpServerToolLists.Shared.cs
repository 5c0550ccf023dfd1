using System.Collections.Concurrent;
using Gateway.Policy;

namespace Gateway.Connectors.Mcp;

/// <summary>
/// A listing shared by the replicas (<see cref="McpToolListCache"/>), under the same rules as this replica's own: a copy
/// serves while it is younger than <see cref="RefreshInterval"/> by the gateway's clock, counted from when the server was
/// asked (never from when the copy was read), so a shared list hides a drifted definition no longer than a replica's own
/// list would. A replica told the list changed (the server's <c>tools/list_changed</c> on its session, or a new bundle)
/// reads no copy fetched before it was told: it asks the server and replaces the shared copy. A failed listing is never
/// shared.
/// </summary>
public sealed partial class McpServerToolLists
{
    // When every tenant's listings were last dropped here (Unix ms): a shared copy fetched before it is not used (Invalidate).
    private long _invalidatedAt = long.MinValue;

    // When a bundle that changed a tenant's policy was last applied here (Unix ms): that tenant's copies fetched before it are not used (Invalidate(tenants)).
    private readonly ConcurrentDictionary<string, long> _tenantInvalidatedAt = new(StringComparer.Ordinal);

    /// <summary>The server's tools and when the server was asked for them: a fresh shared copy, or the server's own answer.</summary>
    private async Task<(McpServerTools Listed, DateTimeOffset FetchedAt)> ListOrReadSharedAsync(string tenant, Upstream upstream, CatalogEntry server, CancellationToken cancellationToken)
    {
        var key = _shared is null ? null : McpToolListCache.Key(tenant, server);
        if (key is not null && !upstream.Stale && await _shared!.GetAsync(key, cancellationToken).ConfigureAwait(false) is { } copy
            && copy.FetchedAt.ToUnixTimeMilliseconds() > InvalidatedAt(tenant))
        {
            // A copy stamped ahead of this replica's clock (another replica's clock runs fast) counts from now, never later.
            var now = _time.GetUtcNow();
            var fetchedAt = copy.FetchedAt < now ? copy.FetchedAt : now;
            if (now - fetchedAt < RefreshInterval)
            {
                return (new McpServerTools(true, [.. copy.Tools], null), fetchedAt);
            }
        }

        var listed = await ListAsync(upstream, server, cancellationToken).ConfigureAwait(false);
        var listedAt = _time.GetUtcNow();
        if (key is not null && listed.Available)
        {
            await _shared!.SetAsync(key, listed.Tools, listedAt, RefreshInterval, cancellationToken).ConfigureAwait(false);
        }

        return (listed, listedAt);
    }

    /// <summary>When a bundle that changed <paramref name="tenant"/>'s policy (or every tenant's) was last applied here (Unix ms).</summary>
    private long InvalidatedAt(string tenant) =>
        Math.Max(Volatile.Read(ref _invalidatedAt), _tenantInvalidatedAt.TryGetValue(tenant, out var at) ? at : long.MinValue);
}
