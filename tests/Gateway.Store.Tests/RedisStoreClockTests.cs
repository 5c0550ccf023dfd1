using Gateway.Testing;

namespace Gateway.Store.Tests;

/// <summary><see cref="RedisStateStore.ReadClocksAsync"/> over a real redis-server: its primary's <c>TIME</c>, and a store that cannot reach it fails closed.</summary>
public sealed class RedisStoreClockTests(RedisStoreFixture fixture) : IClassFixture<RedisStoreFixture>
{
    [Fact]
    public async Task ReadClocksAsync_OnePrimary_ReadsItsClockAsUtc()
    {
        var before = DateTimeOffset.UtcNow;

        var clocks = await fixture.Store.ReadClocksAsync();

        var clock = Assert.Single(clocks);
        Assert.Equal(TimeSpan.Zero, clock.Offset);
        Assert.InRange(clock, before - TimeSpan.FromSeconds(1), DateTimeOffset.UtcNow + TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task ReadClocksAsync_NoServerListening_ThrowsStoreUnavailable()
    {
        await using var store = new RedisStateStore(new RedisStoreOptions { Endpoint = "127.0.0.1:" + FreePort.Next(), ConnectTimeout = TimeSpan.FromMilliseconds(200), CommandTimeout = TimeSpan.FromMilliseconds(500) });

        await Assert.ThrowsAsync<StateStoreUnavailableException>(async () => await store.ReadClocksAsync());
    }
}
