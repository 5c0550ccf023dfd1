using Gateway.Testing;
using StackExchange.Redis;

namespace Gateway.Store.Tests;

/// <summary>AUTH with a password only, with an ACL user and password, and with a wrong or missing password.</summary>
public sealed class RedisAuthenticationTests : IAsyncLifetime
{
    private const string AdminPassword = "s3cret-admin";
    private RedisServer _server = null!;

    public async Task InitializeAsync() => _server = await RedisServer.StartAsync(password: AdminPassword);

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Store_RequirePassPassword_Authenticates()
    {
        await using var store = new RedisStateStore(new RedisStoreOptions { ConnectTimeout = TimeSpan.FromSeconds(10), CommandTimeout = TimeSpan.FromSeconds(10), Endpoint = _server.Endpoint, Password = AdminPassword });

        await store.SetAsync("k", "v", null);

        Assert.Equal("v", await store.GetAsync("k"));
    }

    [Fact]
    public async Task Store_AclUserAndPassword_ActsAsThatUser()
    {
        await using (var admin = await RedisAdmin.ConnectAsync(_server.Endpoint, AdminPassword))
        {
            await admin.ExecuteAsync("ACL", "SETUSER", "gateway", "on", ">gw-pass", "~gw:*", "+@all");
        }

        await using var store = new RedisStateStore(new RedisStoreOptions { ConnectTimeout = TimeSpan.FromSeconds(10), CommandTimeout = TimeSpan.FromSeconds(10), Endpoint = _server.Endpoint, User = "gateway", Password = "gw-pass" });

        await store.SetAsync("gw:allowed", "1", null);
        var denied = await Assert.ThrowsAsync<StateStoreUnavailableException>(async () => await store.SetAsync("other:key", "1", null));
        Assert.Contains("NOPERM", denied.Message, StringComparison.Ordinal);
        Assert.IsType<RedisServerException>(denied.InnerException);
    }

    [Fact]
    public async Task Store_WrongPassword_FailsUnavailableNamingAuthenticationAndNeverThePassword()
    {
        await using var store = new RedisStateStore(new RedisStoreOptions { Endpoint = _server.Endpoint, Password = "not-the-password" });

        var first = await Assert.ThrowsAsync<StateStoreUnavailableException>(async () => await store.PingAsync());
        var again = await Assert.ThrowsAsync<StateStoreUnavailableException>(async () => await store.GetAsync("k"));

        Assert.Contains("Authentication", first.ToString(), StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("not-the-password", first.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("not-the-password", again.ToString(), StringComparison.Ordinal);
        Assert.IsNotAssignableFrom<TimeoutException>(again.InnerException);
    }

    [Fact]
    public async Task Store_NoPasswordToProtectedServer_FailsUnavailable()
    {
        // A connect timeout far above the handshake's time: the refusal arrives at once, but on a loaded
        // machine the default 2 s could pass first and the error would say "not connected yet" instead.
        await using var store = new RedisStateStore(new RedisStoreOptions { Endpoint = _server.Endpoint, ConnectTimeout = TimeSpan.FromSeconds(30) });

        await Assert.ThrowsAsync<StateStoreUnavailableException>(async () => await store.PingAsync());

        // Named in the refusal's message: at once when the client has recorded the server's reply by then (the connect log,
        // the refused command's own failure), else once a reconnect attempt reports it; a loaded machine decides which.
        await Eventually.HoldsAsync(
            async () => (await Assert.ThrowsAsync<StateStoreUnavailableException>(async () => await store.PingAsync())).Message.Contains("NOAUTH", StringComparison.OrdinalIgnoreCase),
            TimeSpan.FromSeconds(30),
            "no refusal named NOAUTH");
    }
}
