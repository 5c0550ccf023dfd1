using System.Collections.Concurrent;
using Gateway.Policy;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Gateway.Connectors.Mcp;

/// <summary>
/// A server's prompts, resources and resource templates as the gateway lists them on <c>/mcp</c>: read on the gateway's
/// session with the server, kept as its tools are (<see cref="RefreshInterval"/> from the moment the server answered, a
/// failure <see cref="RetryInterval"/>; dropped when a new bundle is applied or the server says that list changed), the
/// same for every caller (each caller's own view is narrowed after, by the caller). However many ask at once, one read
/// of a server's listing of one kind is in flight, which every asker waits for (each only as long as it may wait: the
/// read is not the first asker's to cancel, and ends by itself after <see cref="ListingTimeout"/>). The server's session
/// gate is held only to open the session, never while the listing is paged, so that a server that pages slowly holds up
/// neither its tool listing nor the subscriptions and governed calls on the same session.
/// </summary>
public sealed partial class McpServerToolLists
{
    /// <summary>The longest one read of a server's listing (every page of it) may take; past it, it fails.</summary>
    public static readonly TimeSpan ListingTimeout = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<(string Tenant, string Server, Uri Endpoint, ListingKind Kind), Listing> _listings = new();

    // Bumped by Invalidate: a listing read before it is read again.
    private long _listingGeneration;

    // Bumped, one tenant's, by Invalidate(tenants): that tenant's listings read before it are read again.
    private readonly ConcurrentDictionary<string, long> _tenantListingGenerations = new(StringComparer.Ordinal);

    private enum ListingKind
    {
        Prompts,
        Resources,
        ResourceTemplates,
    }

    /// <summary>The prompts <paramref name="server"/> serves; null when it cannot be reached or refuses.</summary>
    public ValueTask<IReadOnlyList<Prompt>?> PromptsAsync(string tenant, CatalogEntry server, CancellationToken cancellationToken) =>
        ListingAsync<Prompt>(tenant, server, ListingKind.Prompts, static async (client, ct) =>
            client.ServerCapabilities.Prompts is null ? [] : await ReadPagesAsync<Prompt>(async (cursor, c) =>
            {
                var page = await client.ListPromptsAsync(new ListPromptsRequestParams { Cursor = cursor }, c).ConfigureAwait(false);
                return (page.Prompts, page.NextCursor);
            }, ct).ConfigureAwait(false), cancellationToken);

    /// <summary>The resources <paramref name="server"/> serves; null when it cannot be reached or refuses.</summary>
    public ValueTask<IReadOnlyList<Resource>?> ResourcesAsync(string tenant, CatalogEntry server, CancellationToken cancellationToken) =>
        ListingAsync<Resource>(tenant, server, ListingKind.Resources, static async (client, ct) =>
            client.ServerCapabilities.Resources is null ? [] : await ReadPagesAsync<Resource>(async (cursor, c) =>
            {
                var page = await client.ListResourcesAsync(new ListResourcesRequestParams { Cursor = cursor }, c).ConfigureAwait(false);
                return (page.Resources, page.NextCursor);
            }, ct).ConfigureAwait(false), cancellationToken);

    /// <summary>The resource templates <paramref name="server"/> serves; null when it cannot be reached or refuses.</summary>
    public ValueTask<IReadOnlyList<ResourceTemplate>?> ResourceTemplatesAsync(string tenant, CatalogEntry server, CancellationToken cancellationToken) =>
        ListingAsync<ResourceTemplate>(tenant, server, ListingKind.ResourceTemplates, static async (client, ct) =>
            client.ServerCapabilities.Resources is null ? [] : await ReadPagesAsync<ResourceTemplate>(async (cursor, c) =>
            {
                var page = await client.ListResourceTemplatesAsync(new ListResourceTemplatesRequestParams { Cursor = cursor }, c).ConfigureAwait(false);
                return (page.ResourceTemplates, page.NextCursor);
            }, ct).ConfigureAwait(false), cancellationToken);

    /// <summary>The kept listing while fresh, else the read in flight, else a new read (one at a time per server and kind).</summary>
    private async ValueTask<IReadOnlyList<T>?> ListingAsync<T>(string tenant, CatalogEntry server, ListingKind kind,
        Func<McpClient, CancellationToken, ValueTask<List<T>>> read, CancellationToken cancellationToken)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(server);
        if (server.Upstream is null)
        {
            return null;
        }

        var slot = _listings.GetOrAdd((tenant, server.Name, server.Upstream, kind), static _ => new Listing());
        Task<Listed> reading;
        lock (slot.Lock)
        {
            var generation = ListingGeneration(tenant);
            if (slot.Reading is not { } current || slot.Generation != generation || slot.Stale
                || (current.IsCompleted && (!current.IsCompletedSuccessfully || !FreshListing(current.Result))))
            {
                var upstream = UpstreamOf(tenant, server);
                if (upstream.Evicted)
                {
                    // An ask with a binding out of force (an old bundle's): no listing, and none kept for the askers of the one in force.
                    return null;
                }

                current = Task.Run(() => ReadListingAsync(upstream, server, read));
                slot.Reading = current;
                slot.Generation = generation;
                slot.Stale = false;
            }

            reading = current;
        }

        return (await reading.WaitAsync(cancellationToken).ConfigureAwait(false)).Items as IReadOnlyList<T>;
    }

    private bool FreshListing(Listed listed) => _time.GetUtcNow() - listed.ListedAt < (listed.Items is null ? RetryInterval : RefreshInterval);

    /// <summary>
    /// Reads the listing on the server's session: the gate held only to open it; a failure (never thrown) closes the session
    /// when it is the session's own (not the server's answer, a listing past the bounds, or the read running out of time).
    /// </summary>
    private async Task<Listed> ReadListingAsync<T>(Upstream upstream, CatalogEntry server, Func<McpClient, CancellationToken, ValueTask<List<T>>> read)
        where T : class
    {
        using var timeout = new CancellationTokenSource(ListingTimeout, _time);
        McpClient? client = null;
        try
        {
            await upstream.Gate.WaitAsync(timeout.Token).ConfigureAwait(false);
            try
            {
                // As in UseAsync: a session closed for a newer binding is not opened again with the old one.
                ObjectDisposedException.ThrowIf(upstream.Evicted, upstream);
                client = upstream.Client ??= await ConnectAsync(upstream, server, timeout.Token).ConfigureAwait(false);
            }
            finally
            {
                upstream.Gate.Release();
            }

            return new Listed(await read(client, timeout.Token).ConfigureAwait(false), _time.GetUtcNow());
        }
        catch (Exception ex)
        {
            // As a use of the session fails (UseAsync): the server's own answer, a listing past the bounds, or the read out of
            // time leaves the session open; anything else closes it, so that the next use opens a new one.
            var failure = TooLong(ex) ?? ex;
            if (client is not null && failure is not (McpProtocolException or ListingTooLongException) && !timeout.IsCancellationRequested)
            {
                await CloseIfCurrentAsync(upstream, client).ConfigureAwait(false);
            }

            LogUnavailable(_logger, upstream.Server, upstream.Tenant, failure.GetType().Name, failure.Message);
            return new Listed(null, _time.GetUtcNow());
        }
    }

    /// <summary>Closes the server's session when it is still <paramref name="failed"/> (another use may have replaced it meanwhile).</summary>
    private static async ValueTask CloseIfCurrentAsync(Upstream upstream, McpClient failed)
    {
        await upstream.Gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (upstream.Client == failed)
            {
                await upstream.CloseAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            upstream.Gate.Release();
        }
    }

    /// <summary>The server said its prompts or resources changed: their kept listings are read again at the next ask.</summary>
    private void ListingChanged(Upstream upstream, string method)
    {
        ListingKind[] kinds = method == NotificationMethods.PromptListChangedNotification ? [ListingKind.Prompts] : [ListingKind.Resources, ListingKind.ResourceTemplates];
        foreach (var kind in kinds)
        {
            if (_listings.TryGetValue((upstream.Tenant, upstream.Server, upstream.Endpoint, kind), out var slot))
            {
                slot.Stale = true;
            }
        }
    }

    /// <summary>Every kept listing is read again at its next ask (a new bundle).</summary>
    private void InvalidateListings() => Interlocked.Increment(ref _listingGeneration);

    /// <summary>Every kept listing of <paramref name="tenant"/> is read again at its next ask (a new bundle changed its policy).</summary>
    private void InvalidateListings(string tenant) => _tenantListingGenerations.AddOrUpdate(tenant, 1, static (_, generation) => generation + 1);

    /// <summary>The generation a listing of <paramref name="tenant"/> is read under: either counter only grows, so their sum changes whenever one does.</summary>
    private long ListingGeneration(string tenant) =>
        Volatile.Read(ref _listingGeneration) + (_tenantListingGenerations.TryGetValue(tenant, out var generation) ? generation : 0);

    /// <summary>A read listing (null items: the server failed) and when it was read.</summary>
    private sealed record Listed(object? Items, DateTimeOffset ListedAt);

    /// <summary>One server's listing of one kind: the read in flight or done, and what makes it stale.</summary>
    private sealed class Listing
    {
        public Lock Lock { get; } = new();

        public Task<Listed>? Reading { get; set; }

        public long Generation { get; set; }

        public volatile bool Stale;
    }
}
