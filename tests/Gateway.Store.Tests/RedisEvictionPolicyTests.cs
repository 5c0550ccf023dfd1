using Gateway.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.Store.Tests;

/// <summary>
/// A Redis with a memory limit and a policy that evicts (a nonce evicted accepts its replay; a kill switch or revocation
/// mark evicted lifts it) is refused: every call fails as unavailable, naming the policy, and nothing is written, until
/// the policy is <c>noeviction</c> or <see cref="RedisStoreOptions.AllowEviction"/> accepts the risk; a policy set to
/// evict while the store serves is refused from the next check on.
/// </summary>
public sealed class RedisEvictionPolicyTests : IAsyncLifetime
{
    private RedisServer _server = null!;

    public async Task InitializeAsync() => _server = await RedisServer.StartAsync(extraArgs: "--maxmemory 64mb --maxmemory-policy volatile-lru");

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Store_OnARedisThatEvictsKeysWithAnExpiry_RefusesEveryCallAndWritesNothing()
    {
        await using var store = new RedisStateStore(Options());

        var set = await Assert.ThrowsAsync<StateStoreUnavailableException>(async () => await store.SetAsync("gw:{t}:nonce:a:n1", "1", TimeSpan.FromMinutes(5)));
        var admit = await Assert.ThrowsAsync<StateStoreUnavailableException>(async () =>
            await store.AdmitAsync(new AdmissionRequest("gw:{t}:nonce:a:n2", "1", TimeSpan.FromMinutes(5), [], [])));
        await Assert.ThrowsAsync<StateStoreUnavailableException>(async () => await store.PingAsync());

        Assert.Contains("maxmemory-policy volatile-lru", set.Message, StringComparison.Ordinal);
        Assert.Contains("noeviction", admit.Message, StringComparison.Ordinal);
        Assert.False(store.IsConnected);
        await using var admin = await RedisAdmin.ConnectAsync(_server.Endpoint);
        Assert.Equal(0, (long)await admin.ExecuteAsync("DBSIZE"));
    }

    [Fact]
    public async Task Store_AfterThePolicyIsSetToNoEviction_ServesOnceTheRefusalIsAskedAgain()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var store = new RedisStateStore(Options(), timeProvider: time);
        await Assert.ThrowsAsync<StateStoreUnavailableException>(async () => await store.GetAsync("gw:{t}:k"));

        await using (var admin = await RedisAdmin.ConnectAsync(_server.Endpoint))
        {
            await admin.ExecuteAsync("CONFIG", "SET", "maxmemory-policy", "noeviction");
        }

        await Assert.ThrowsAsync<StateStoreUnavailableException>(async () => await store.GetAsync("gw:{t}:k"));
        time.Advance(RedisEvictionCheck.RecheckAfter);
        await store.SetAsync("gw:{t}:k", "v", null);
        Assert.Equal("v", await store.GetAsync("gw:{t}:k"));
        Assert.True(store.IsConnected);
    }

    [Fact]
    public async Task Store_PolicySetToEvictWhileServing_IsRefusedAfterTheNextCheck_AndServedAgainWhenFixed()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await SetPolicyAsync("noeviction");
        await using var store = new RedisStateStore(Options(), timeProvider: time);
        await store.SetAsync("gw:{t}:k", "v", null);

        await SetPolicyAsync("allkeys-lru");
        Assert.Equal("v", await store.GetAsync("gw:{t}:k")); // the check stands until it is due
        time.Advance(RedisEvictionCheck.RecheckServedEvery);
        var refused = await RefusedAsync(store, "after the policy was set to allkeys-lru and the check was due");

        Assert.Contains("maxmemory-policy allkeys-lru", refused.Message, StringComparison.Ordinal);
        Assert.False(store.IsConnected);
        await SetPolicyAsync("noeviction");
        time.Advance(RedisEvictionCheck.RecheckAfter);
        Assert.Equal("v", await store.GetAsync("gw:{t}:k"));
    }

    [Fact]
    public async Task Store_WithAllowEviction_ServesOnARedisThatEvicts()
    {
        await using var store = new RedisStateStore(Options() with { AllowEviction = true });

        await store.SetAsync("gw:{t}:k", "v", null);

        Assert.Equal("v", await store.GetAsync("gw:{t}:k"));
    }

    [Fact]
    public async Task Store_WithoutAMemoryLimit_ServesWhateverThePolicy()
    {
        await using (var admin = await RedisAdmin.ConnectAsync(_server.Endpoint))
        {
            await admin.ExecuteAsync("CONFIG", "SET", "maxmemory", "0");
            await admin.ExecuteAsync("CONFIG", "SET", "maxmemory-policy", "allkeys-lru");
        }

        await using var store = new RedisStateStore(Options());

        await store.SetAsync("gw:{t}:k", "v", null);
        Assert.Equal("v", await store.GetAsync("gw:{t}:k"));
    }

    /// <summary>The refusal a call on <paramref name="store"/> meets once its eviction check has run (polled for up to 30 s).</summary>
    internal static async Task<StateStoreUnavailableException> RefusedAsync(RedisStateStore store, string when) =>
        (await Eventually.ReturnsAsync<StateStoreUnavailableException?>(
            async () =>
            {
                try
                {
                    await store.GetAsync("gw:{t}:k");
                    return null;
                }
                catch (StateStoreUnavailableException ex)
                {
                    return ex;
                }
            },
            static ex => ex is not null,
            TimeSpan.FromSeconds(30),
            _ => "a call was still served " + when))!;

    private async Task SetPolicyAsync(string policy)
    {
        await using var admin = await RedisAdmin.ConnectAsync(_server.Endpoint);
        await admin.ExecuteAsync("CONFIG", "SET", "maxmemory-policy", policy);
    }

    private RedisStoreOptions Options() => new()
    {
        Endpoint = _server.Endpoint,
        ConnectTimeout = TimeSpan.FromSeconds(10),
        CommandTimeout = TimeSpan.FromSeconds(10),
    };
}
