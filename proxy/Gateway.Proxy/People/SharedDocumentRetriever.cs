using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.IdentityModel.Protocols;

namespace Gateway.Proxy.People;

/// <summary>
/// The OpenID providers' discovery documents and key sets (public documents) through the gateway's
/// <see cref="HybridCache"/>, for <see cref="PersonOptions.KeysRefresh"/> by the gateway's clock (each copy carries when it
/// was fetched, and <see cref="OldestFetchedAt"/> says when those it served were): on the Redis store the replicas share one fetch. With <c>refresh</c> (a token named a key the set lacks)
/// the provider is asked and the shared copy replaced. A failed fetch is never cached: it throws, and
/// <see cref="OpenIdConfigurations"/> applies its stale-keys rules as before.
/// </summary>
internal sealed class SharedDocumentRetriever : IDocumentRetriever
{
    private const string KeyPrefix = "gw:oidc-document:v1:";
    private readonly IDocumentRetriever _http;
    private readonly HybridCache _cache;
    private readonly TimeProvider _time;
    private readonly TimeSpan _lifetime;
    private readonly bool _refresh;

    public SharedDocumentRetriever(IDocumentRetriever http, HybridCache cache, TimeProvider time, TimeSpan lifetime, bool refresh)
    {
        _http = http;
        _cache = cache;
        _time = time;
        _lifetime = lifetime;
        _refresh = refresh;
    }

    public async Task<string> GetDocumentAsync(string address, CancellationToken cancel)
    {
        var key = KeyPrefix + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(address)));
        if (!_refresh)
        {
            var stamped = await _cache.GetOrCreateAsync(key, this, async (self, ct) => await self.FetchAsync(address, ct).ConfigureAwait(false),
                Entry(), cancellationToken: cancel).ConfigureAwait(false);
            var newline = stamped.IndexOf('\n', StringComparison.Ordinal);
            if (newline > 0 && long.TryParse(stamped.AsSpan(0, newline), NumberStyles.None, CultureInfo.InvariantCulture, out var fetchedAt)
                && _time.GetUtcNow().ToUnixTimeMilliseconds() - fetchedAt < (long)_lifetime.TotalMilliseconds)
            {
                Served(DateTimeOffset.FromUnixTimeMilliseconds(fetchedAt));
                return stamped[(newline + 1)..];
            }
        }

        var fresh = await FetchAsync(address, cancel).ConfigureAwait(false);
        await _cache.SetAsync(key, fresh, Entry(), cancellationToken: cancel).ConfigureAwait(false);
        var newlineAt = fresh.IndexOf('\n', StringComparison.Ordinal);
        Served(DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(fresh.AsSpan(0, newlineAt), NumberStyles.None, CultureInfo.InvariantCulture)));
        return fresh[(newlineAt + 1)..];
    }

    /// <summary>
    /// When the oldest document this retriever served was fetched from the provider (the shared copy's stamp, by the clock of
    /// the replica that fetched it), or null before any: the configuration built from them is as old as that.
    /// </summary>
    public DateTimeOffset? OldestFetchedAt { get; private set; }

    private void Served(DateTimeOffset fetchedAt)
    {
        if (OldestFetchedAt is not { } oldest || fetchedAt < oldest)
        {
            OldestFetchedAt = fetchedAt;
        }
    }

    private async Task<string> FetchAsync(string address, CancellationToken cancel) =>
        _time.GetUtcNow().ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture) + "\n" + await _http.GetDocumentAsync(address, cancel).ConfigureAwait(false);

    private HybridCacheEntryOptions Entry() => new() { Expiration = _lifetime, LocalCacheExpiration = _lifetime };
}
