using System.Diagnostics;
using Gateway.Connectors.Vault;
using Gateway.Proxy.People;
using Gateway.Proxy.Tests.Infrastructure;
using Gateway.Testing;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Caching.StackExchangeRedis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;

namespace Gateway.Proxy.Tests.People;

/// <summary>
/// The exchanged-token cache over the real HybridCache: a replica whose Redis cannot be reached fails over to its
/// in-process tier (the token it exchanged is still reused, nothing throws), an expired token is a miss, and an envelope
/// sealed under another deployment's data key, or under a retired key since removed from the ring, is not used.
/// </summary>
public sealed class ExchangedTokenCacheTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 2, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task GetAsync_RedisUnreachable_FailsOverToTheInProcessTier()
    {
        var deadPort = FreePort.Next();
        var logs = new FakeLogCollector();
        // HybridCache's own log too, so that a failure says what the cache did with the unreachable Redis.
        using var services = Services(new RedisCache(Options.Create(new RedisCacheOptions
        {
            Configuration = $"127.0.0.1:{deadPort},abortConnect=false,connectTimeout=200,asyncTimeout=200,syncTimeout=200,connectRetry=0",
        })), new FakeLoggerProvider(logs));
        var time = new ManualTimeProvider(Now);
        var cache = new ExchangedTokenCache(services.GetRequiredService<HybridCache>(), DataKeys(), time, services.GetRequiredService<ILogger<ExchangedTokenCache>>());
        var key = ExchangedTokenCache.Key("demo", "https://idp.example", "erin", "crm-api");

        var started = Stopwatch.GetTimestamp();
        var before = await cache.GetAsync(key, CancellationToken.None);
        // HybridCache reads its global invalidation time from Redis once, as it starts; when that read fails it counts
        // every entry made before the failure as invalidated. So a token kept in the first moments may be exchanged
        // again, and once the read has failed a token kept is read back from the process.
        var after = await Eventually.ReturnsAsync(
            async () =>
            {
                await cache.SetAsync(key, "exchanged-once", Now.AddMinutes(5), CancellationToken.None);
                return await cache.GetAsync(key, CancellationToken.None);
            },
            static read => read is not null,
            TimeSpan.FromSeconds(10),
            _ => "The token set was not read back: " + (logs.Count == 0 ? "a miss, nothing logged" : "logged " + LoggedText.Of(logs)));

        Assert.Null(before);
        Assert.NotNull(after);
        Assert.True(Stopwatch.GetElapsedTime(started) < TimeSpan.FromSeconds(15));
    }

    [Fact]
    public async Task GetAsync_AfterUseUntil_IsAMiss()
    {
        using var services = Services(distributed: null);
        var time = new ManualTimeProvider(Now);
        var cache = new ExchangedTokenCache(services.GetRequiredService<HybridCache>(), DataKeys(), time, NullLogger<ExchangedTokenCache>.Instance);
        var key = ExchangedTokenCache.Key("demo", "https://idp.example", "erin", "crm-api");
        await cache.SetAsync(key, "short-lived", Now.AddMinutes(1), CancellationToken.None);

        time.Advance(TimeSpan.FromMinutes(2));

        Assert.Null(await cache.GetAsync(key, CancellationToken.None));
    }

    [Fact]
    public async Task GetAsync_EnvelopeOfAnotherDataKey_IsNotUsed()
    {
        using var services = Services(new MemoryDistributedCache(Options.Create(new MemoryDistributedCacheOptions())));
        var hybrid = services.GetRequiredService<HybridCache>();
        var time = new ManualTimeProvider(Now);
        var key = ExchangedTokenCache.Key("demo", "https://idp.example", "erin", "crm-api");
        await new ExchangedTokenCache(hybrid, DataKeys(), time, NullLogger<ExchangedTokenCache>.Instance).SetAsync(key, "theirs", Now.AddMinutes(5), CancellationToken.None);

        var ours = new ExchangedTokenCache(hybrid, DataKeys(), time, NullLogger<ExchangedTokenCache>.Instance);

        Assert.Null(await ours.GetAsync(key, CancellationToken.None));
    }

    [Fact]
    public async Task GetAsync_SealedUnderAKeyRemovedFromTheRing_IsAMiss()
    {
        using var services = Services(new MemoryDistributedCache(Options.Create(new MemoryDistributedCacheOptions())));
        var hybrid = services.GetRequiredService<HybridCache>();
        var time = new ManualTimeProvider(Now);
        var key = ExchangedTokenCache.Key("demo", "https://idp.example", "erin", "crm-api");
        var (old, current) = (DataEncryptionKey.Generate("old"), DataEncryptionKey.Generate("new"));
        ExchangedTokenCache Under(EncryptionKeyRing ring) => new(hybrid, ring, time, NullLogger<ExchangedTokenCache>.Instance);
        await Under(new EncryptionKeyRing(old)).SetAsync(key, "sealed-under-old", Now.AddMinutes(5), CancellationToken.None);

        var whileRetired = await Under(new EncryptionKeyRing(current, [old])).GetAsync(key, CancellationToken.None);
        var afterRemoval = await Under(new EncryptionKeyRing(current)).GetAsync(key, CancellationToken.None);

        Assert.NotNull(whileRetired);
        Assert.Null(afterRemoval);
    }

    [Fact]
    public void Key_NamesNeitherThePersonNorTheAudience()
    {
        var key = ExchangedTokenCache.Key("demo", "https://idp.example", "erin@example.com", "crm-api");

        Assert.Matches("^gw:person-token:v1:[0-9a-f]{64}$", key);
        Assert.NotEqual(key, ExchangedTokenCache.Key("demo", "https://idp.example", "carl@example.com", "crm-api"));
    }

    private static ServiceProvider Services(Microsoft.Extensions.Caching.Distributed.IDistributedCache? distributed, ILoggerProvider? logs = null) =>
        HybridCaches.Services(distributed, logs);

    private static EncryptionKeyRing DataKeys() => new(DataEncryptionKey.Generate());
}
