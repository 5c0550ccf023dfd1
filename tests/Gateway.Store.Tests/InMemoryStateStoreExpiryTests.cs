using Gateway.Testing;

namespace Gateway.Store.Tests;

/// <summary>
/// The embedded store forgets expired keys in expiry order: a nonce flood is swept as it expires, at the cost of
/// what expired, while live keys (and a key whose expiry was pushed back) stay.
/// </summary>
public sealed class InMemoryStateStoreExpiryTests
{
    private readonly ManualTimeProvider _time = new(DateTimeOffset.UtcNow);

    [Fact]
    public async Task Admit_AfterNoncesExpire_SweepsThemAndKeepsLiveKeys()
    {
        var store = new InMemoryStateStore(_time);
        for (var i = 0; i < 1000; i++)
        {
            Assert.True((await store.AdmitAsync(Admission($"old-{i}", TimeSpan.FromMinutes(5)))).NonceFresh);
        }

        await store.SetAsync("switch:long-lived", "on", TimeSpan.FromHours(1));
        await store.SetAsync("switch:forever", "on", expiry: null);
        _time.Advance(TimeSpan.FromMinutes(6));

        Assert.True((await store.AdmitAsync(Admission("new", TimeSpan.FromMinutes(5)))).NonceFresh);

        Assert.Equal(3, store.KeyCount);
        Assert.Equal("on", await store.GetAsync("switch:long-lived"));
        Assert.Equal("on", await store.GetAsync("switch:forever"));
        Assert.False((await store.AdmitAsync(Admission("new", TimeSpan.FromMinutes(5)))).NonceFresh);
    }

    [Fact]
    public async Task Admit_KeyRewrittenWithLaterExpiry_IsNotSweptAtItsFirstExpiry()
    {
        var store = new InMemoryStateStore(_time);
        await store.SetAsync("approval:a1", "pending", TimeSpan.FromMinutes(1));
        await store.SetAsync("approval:a1", "approved", TimeSpan.FromMinutes(10));
        _time.Advance(TimeSpan.FromMinutes(2));

        Assert.True((await store.AdmitAsync(Admission("n1", TimeSpan.FromMinutes(5)))).NonceFresh);

        Assert.Equal("approved", await store.GetAsync("approval:a1"));
        _time.Advance(TimeSpan.FromMinutes(9));
        Assert.True((await store.AdmitAsync(Admission("n2", TimeSpan.FromMinutes(5)))).NonceFresh);
        Assert.Equal(1, store.KeyCount);
    }

    [Fact]
    public async Task ReplaceIfEqual_WithExpiry_ExpiresWhileWithoutExpiryPersists()
    {
        var store = new InMemoryStateStore(_time);
        await store.SetAsync("short", "v1", TimeSpan.FromMinutes(10));
        await store.SetAsync("forever", "v1", TimeSpan.FromMinutes(1));

        Assert.True(await store.ReplaceIfEqualAsync("short", "v1", "gone soon", TimeSpan.FromMinutes(1)));
        Assert.True(await store.ReplaceIfEqualAsync("forever", "v1", "stays", expiry: null));
        _time.Advance(TimeSpan.FromMinutes(2));

        Assert.Null(await store.GetAsync("short"));
        Assert.Equal("stays", await store.GetAsync("forever"));
        Assert.False(await store.ReplaceIfEqualAsync("short", "gone soon", "back", expiry: null));
    }

    private static AdmissionRequest Admission(string nonce, TimeSpan lifetime) =>
        new($"nonce:{nonce}", "1", lifetime, [], []);
}
