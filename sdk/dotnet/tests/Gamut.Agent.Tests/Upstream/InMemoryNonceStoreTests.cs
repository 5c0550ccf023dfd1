using Gamut.Agent.Upstream;
using Gateway.Testing;

namespace Gamut.Agent.Tests.Upstream;

/// <summary><see cref="InMemoryNonceStore"/>: a nonce is accepted once per tenant and agent until its retention ends.</summary>
public sealed class InMemoryNonceStoreTests
{
    [Fact]
    public async Task TryRememberAsync_SeenNonce_RefusedUntilRetentionEnds()
    {
        var time = new ManualTimeProvider();
        var store = new InMemoryNonceStore(time);
        var retention = TimeSpan.FromSeconds(600);

        Assert.True(await store.TryRememberAsync("acme", "gateway", "nonce-0123456789", retention, default));
        Assert.False(await store.TryRememberAsync("acme", "gateway", "nonce-0123456789", retention, default));
        Assert.True(await store.TryRememberAsync("other", "gateway", "nonce-0123456789", retention, default));

        time.Advance(TimeSpan.FromSeconds(599));
        Assert.False(await store.TryRememberAsync("acme", "gateway", "nonce-0123456789", retention, default));
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(await store.TryRememberAsync("acme", "gateway", "nonce-0123456789", retention, default));
    }

    [Fact]
    public async Task TryRememberAsync_ManyExpiredNonces_AreSweptAndStillRefusedWhileKept()
    {
        var time = new ManualTimeProvider();
        var store = new InMemoryNonceStore(time);
        for (var i = 0; i < 2000; i++)
        {
            Assert.True(await store.TryRememberAsync("acme", "gateway", $"old-{i:D12}", TimeSpan.FromSeconds(1), default));
        }

        Assert.True(await store.TryRememberAsync("acme", "gateway", "kept-0123456789", TimeSpan.FromHours(1), default));
        time.Advance(TimeSpan.FromSeconds(2));
        for (var i = 0; i < 2000; i++)
        {
            Assert.True(await store.TryRememberAsync("acme", "gateway", $"new-{i:D12}", TimeSpan.FromSeconds(1), default));
        }

        Assert.False(await store.TryRememberAsync("acme", "gateway", "kept-0123456789", TimeSpan.FromHours(1), default));
        Assert.True(await store.TryRememberAsync("acme", "gateway", "old-000000000000", TimeSpan.FromSeconds(1), default));
    }
}
