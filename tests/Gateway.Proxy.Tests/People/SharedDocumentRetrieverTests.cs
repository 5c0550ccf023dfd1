using Gateway.Proxy.People;
using Gateway.Proxy.Tests.Infrastructure;
using Gateway.Testing;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Caching.StackExchangeRedis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Protocols;

namespace Gateway.Proxy.Tests.People;

/// <summary>
/// The OpenID documents through the real HybridCache: one fetch while fresh by the gateway's clock, a fetch again once
/// stale, a refresh replaces the shared copy, and a Redis that cannot be reached costs nothing but the sharing.
/// </summary>
public sealed class SharedDocumentRetrieverTests
{
    private const string Address = "https://idp.example/.well-known/jwks.json";
    private static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(10);

    [Fact]
    public async Task GetDocumentAsync_RedisUnreachable_ServesAndKeepsTheDocumentInProcess()
    {
        // A port held bound but never listening: refused for the whole test, and no other test's Redis can start on it.
        using var unreachable = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        unreachable.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        var port = ((System.Net.IPEndPoint)unreachable.LocalEndPoint!).Port;
        using var services = Services(new RedisCache(Options.Create(new RedisCacheOptions
        {
            Configuration = $"127.0.0.1:{port},abortConnect=false,connectTimeout=200,asyncTimeout=200,syncTimeout=200,connectRetry=0",
        })));
        var source = new CountingSource();
        var cache = services.GetRequiredService<HybridCache>();
        await UntilCopiesStayAsync(cache);
        var retriever = new SharedDocumentRetriever(source, cache, new ManualTimeProvider(), Lifetime, refresh: false);

        var first = await retriever.GetDocumentAsync(Address, CancellationToken.None);
        var second = await retriever.GetDocumentAsync(Address, CancellationToken.None);

        Assert.Equal("document-1", first);
        Assert.Equal("document-1", second);
        Assert.Equal(1, source.Fetches);
    }

    [Fact]
    public async Task GetDocumentAsync_OlderThanItsLifetimeByTheGatewayClock_IsFetchedAgain()
    {
        using var services = Services(null);
        var time = new ManualTimeProvider();
        var source = new CountingSource();
        var retriever = new SharedDocumentRetriever(source, services.GetRequiredService<HybridCache>(), time, Lifetime, refresh: false);
        await retriever.GetDocumentAsync(Address, CancellationToken.None);

        time.Advance(Lifetime + TimeSpan.FromSeconds(1));
        var later = await retriever.GetDocumentAsync(Address, CancellationToken.None);

        Assert.Equal("document-2", later);
        Assert.Equal(2, source.Fetches);
    }

    [Fact]
    public async Task GetDocumentAsync_Refresh_AsksTheProviderAndReplacesTheSharedCopy()
    {
        using var services = Services(null);
        var cache = services.GetRequiredService<HybridCache>();
        var time = new ManualTimeProvider();
        var source = new CountingSource();
        await new SharedDocumentRetriever(source, cache, time, Lifetime, refresh: false).GetDocumentAsync(Address, CancellationToken.None);

        var refreshed = await new SharedDocumentRetriever(source, cache, time, Lifetime, refresh: true).GetDocumentAsync(Address, CancellationToken.None);
        var read = await new SharedDocumentRetriever(source, cache, time, Lifetime, refresh: false).GetDocumentAsync(Address, CancellationToken.None);

        Assert.Equal("document-2", refreshed);
        Assert.Equal("document-2", read);
        Assert.Equal(2, source.Fetches);
    }

    /// <summary>
    /// HybridCache reads its global invalidation time from its distributed cache once, when it is made, and when that read
    /// fails it takes every copy made before the failure as invalidated: with Redis unreachable, a copy made while that
    /// first read was still failing is fetched once more. Waits until a copy it makes stays, as in a gateway past start-up.
    /// </summary>
    private static async Task UntilCopiesStayAsync(HybridCache cache)
    {
        var made = 0;
        var probe = 0;
        await Gateway.Testing.Eventually.HoldsAsync(async () =>
        {
            var key = "probe-" + (probe++).ToString(System.Globalization.CultureInfo.InvariantCulture);
            await cache.GetOrCreateAsync(key, _ => ValueTask.FromResult(Interlocked.Increment(ref made)));
            var before = made;
            await cache.GetOrCreateAsync(key, _ => ValueTask.FromResult(Interlocked.Increment(ref made)));
            return made == before;
        }, TimeSpan.FromSeconds(10), "HybridCache kept invalidating its own copies");
    }

    private static ServiceProvider Services(Microsoft.Extensions.Caching.Distributed.IDistributedCache? distributed) => HybridCaches.Services(distributed);

    /// <summary>A document source that answers a new version on each fetch.</summary>
    private sealed class CountingSource : IDocumentRetriever
    {
        private int _fetches;

        public int Fetches => _fetches;

        public Task<string> GetDocumentAsync(string address, CancellationToken cancel) =>
            Task.FromResult("document-" + Interlocked.Increment(ref _fetches).ToString(System.Globalization.CultureInfo.InvariantCulture));
    }
}
