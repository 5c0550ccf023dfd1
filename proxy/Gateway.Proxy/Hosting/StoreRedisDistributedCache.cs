using Gateway.Store;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Caching.StackExchangeRedis;
using Microsoft.Extensions.Options;

namespace Gateway.Proxy.Hosting;

/// <summary>
/// <see cref="HybridCache"/>'s distributed tier on the Redis store: a <see cref="RedisCache"/>
/// (Microsoft.Extensions.Caching.StackExchangeRedis) over the store's own <see cref="RedisConnection"/> (its endpoint,
/// topology, credentials and TLS), under the <c>gw:cache:</c> key prefix. It is not <see cref="IDisposable"/> on purpose:
/// a disposed <see cref="RedisCache"/> disposes its multiplexer, which is the store's and outlives it.
/// </summary>
internal sealed class StoreRedisDistributedCache : IDistributedCache
{
    public const string InstanceName = "gw:cache:";

    private readonly RedisCache _redis;

    public StoreRedisDistributedCache(RedisConnection connection) =>
        _redis = new RedisCache(Options.Create(new RedisCacheOptions
        {
            InstanceName = InstanceName,
            ConnectionMultiplexerFactory = async () => await connection.GetMultiplexerAsync().ConfigureAwait(false),
        }));

    public byte[]? Get(string key) => _redis.Get(key);

    public Task<byte[]?> GetAsync(string key, CancellationToken token = default) => _redis.GetAsync(key, token);

    public void Set(string key, byte[] value, DistributedCacheEntryOptions options) => _redis.Set(key, value, options);

    public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default) => _redis.SetAsync(key, value, options, token);

    public void Refresh(string key) => _redis.Refresh(key);

    public Task RefreshAsync(string key, CancellationToken token = default) => _redis.RefreshAsync(key, token);

    public void Remove(string key) => _redis.Remove(key);

    public Task RemoveAsync(string key, CancellationToken token = default) => _redis.RemoveAsync(key, token);
}
