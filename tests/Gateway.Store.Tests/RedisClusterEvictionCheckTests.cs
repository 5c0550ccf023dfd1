using Gateway.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.Store.Tests;

/// <summary>
/// The eviction check on a real Redis Cluster (<see cref="RedisEvictionCheck"/>): every primary is asked again while the
/// store serves, so one primary set to evict after the store connected refuses every call from the next check on.
/// </summary>
public sealed class RedisClusterEvictionCheckTests(RedisClusterStoreFixture fixture) : IClassFixture<RedisClusterStoreFixture>
{
    [Fact]
    public async Task Store_OnePrimarySetToEvictWhileServing_IsRefusedAfterTheNextCheck()
    {
        var cluster = fixture.Deployment;
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var store = new RedisStateStore(fixture.StoreOptions(cluster), timeProvider: time);
        await store.SetAsync("gw:{t}:k", "v", null);
        var primary = await cluster.PrimaryForAsync("gw:{another}:k");
        try
        {
            await RedisCommandLine.RunAsync(primary.Port, "CONFIG", "SET", "maxmemory", "64mb", "maxmemory-policy", "volatile-lru");
            time.Advance(RedisEvictionCheck.RecheckServedEvery);

            var refused = await RedisEvictionPolicyTests.RefusedAsync(store, "after a primary was set to evict and the check was due");

            Assert.Contains("maxmemory-policy volatile-lru", refused.Message, StringComparison.Ordinal);
            Assert.Contains(cluster.ClientEndpoint(primary), refused.Message, StringComparison.Ordinal);
        }
        finally
        {
            await RedisCommandLine.RunAsync(primary.Port, "CONFIG", "SET", "maxmemory", "0", "maxmemory-policy", "noeviction");
        }
    }
}
