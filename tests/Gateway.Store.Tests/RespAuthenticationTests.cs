using Gateway.Store.Resp;
using Gateway.Testing;

namespace Gateway.Store.Tests;

/// <summary>AUTH with a password only, with an ACL user and password, and with a wrong password.</summary>
public sealed class RespAuthenticationTests : IAsyncLifetime
{
    private const string AdminPassword = "s3cret-admin";
    private RedisServer _server = null!;

    public async Task InitializeAsync() => _server = await RedisServer.StartAsync(password: AdminPassword);

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Connect_RequirePassPassword_Authenticates()
    {
        await using var client = new RespClient(new RedisStoreOptions { Endpoint = _server.Endpoint, Password = AdminPassword });

        Assert.Equal("default", (await client.ExecuteAsync(RespTestCommands.Of("ACL", "WHOAMI"))).AsString());
    }

    [Fact]
    public async Task Connect_AclUserAndPassword_AuthenticatesAsThatUser()
    {
        await using (var admin = new RespClient(new RedisStoreOptions { Endpoint = _server.Endpoint, Password = AdminPassword }))
        {
            await admin.ExecuteAsync(RespTestCommands.Of("ACL", "SETUSER", "gateway", "on", ">gw-pass", "~gw:*", "+@all"));
        }

        await using var client = new RespClient(new RedisStoreOptions { Endpoint = _server.Endpoint, User = "gateway", Password = "gw-pass" });

        Assert.Equal("gateway", (await client.ExecuteAsync(RespTestCommands.Of("ACL", "WHOAMI"))).AsString());
        await client.ExecuteAsync(RespTestCommands.Of("SET", "gw:allowed", "1"));
        var denied = await Assert.ThrowsAsync<RespErrorException>(async () => await client.ExecuteAsync(RespTestCommands.Of("SET", "other:key", "1")));
        Assert.Equal("NOPERM", denied.ErrorCode);
    }

    [Fact]
    public async Task Connect_WrongPassword_FailsFastWithClearReasonAndNoPassword()
    {
        await using var client = new RespClient(new RedisStoreOptions { Endpoint = _server.Endpoint, Password = "not-the-password" });

        var first = await Assert.ThrowsAsync<StateStoreUnavailableException>(async () => await client.ExecuteAsync(RespTestCommands.Of("PING")));
        var started = TimeProvider.System.GetTimestamp();
        var again = await Assert.ThrowsAsync<StateStoreUnavailableException>(async () => await client.ExecuteAsync(RespTestCommands.Of("PING")));

        Assert.Contains("WRONGPASS", first.Message, StringComparison.Ordinal);
        Assert.Contains("authentication", first.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("not-the-password", first.ToString(), StringComparison.Ordinal);
        Assert.True(TimeProvider.System.GetElapsedTime(started) < TimeSpan.FromMilliseconds(200));
        Assert.Contains("WRONGPASS", again.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Connect_NoPasswordToProtectedServer_FailsWithNoAuth()
    {
        await using var client = new RespClient(new RedisStoreOptions { Endpoint = _server.Endpoint });

        var error = await Assert.ThrowsAsync<StateStoreUnavailableException>(async () => await client.ExecuteAsync(RespTestCommands.Of("PING")));

        Assert.Contains("NOAUTH", error.Message, StringComparison.Ordinal);
    }
}
