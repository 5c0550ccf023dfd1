using System.Text;
using Gateway.Testing;

namespace Gateway.Store.Tests;

/// <summary>
/// The append that admits on the store's own connections (<see cref="RedisStoreOptions.DirectScriptCalls"/>) against a real
/// redis-server: which connection carries it, a flushed script cache, a server that stalls past the timeout, one that restarts,
/// a password, and the connections closed with the store.
/// </summary>
public sealed class RedisScriptChannelTests
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task TryAppendAdmitting_DirectScriptCalls_RunsOnTheStoresOwnConnection(bool replyThread)
    {
        await using var server = await RedisServer.StartAsync();
        await using var admin = await RedisAdmin.ConnectAsync(server.Endpoint);
        await using var store = await StoreAsync(server, replyThread);

        await AppendAsync(store, "own", 0);
        await AppendAsync(store, "own", 1);

        Assert.Equal(1, await ScriptConnectionsAsync(admin));
        Assert.Equal(2, (await admin.CommandCallsAsync()).GetValueOrDefault("evalsha"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task TryAppendAdmitting_NextGroupsSentBeforeTheFirstIsAnswered_RunInTheOrderSent(bool replyThread)
    {
        await using var server = await RedisServer.StartAsync();
        await using var store = await StoreAsync(server, replyThread);
        await AppendAsync(store, "order", 0);

        // An audit chain with groups in flight sends each at the length the one before it will leave: only one connection
        // run in order appends them all (on two, a later group could run first and find the chain too short).
        await Task.WhenAll(Enumerable.Range(1, 16).Select(length => AppendAsync(store, "order", length)));

        Assert.Equal(Enumerable.Range(0, 17).Select(i => $"line-{i}"), await store.ReadLogAsync(Key("order", "log"), 0, 20));
    }

    [Fact]
    public async Task TryAppendAdmitting_DirectScriptCallsOff_RunsOnStackExchangeRedis()
    {
        await using var server = await RedisServer.StartAsync();
        await using var admin = await RedisAdmin.ConnectAsync(server.Endpoint);
        await using var store = await StoreAsync(server, replyThread: false, direct: false);

        await AppendAsync(store, "off", 0);

        Assert.Equal(0, await ScriptConnectionsAsync(admin));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task TryAppendAdmitting_ScriptCacheFlushed_RunsTheScriptAgainWithEval(bool replyThread)
    {
        await using var server = await RedisServer.StartAsync();
        await using var admin = await RedisAdmin.ConnectAsync(server.Endpoint);
        await using var store = await StoreAsync(server, replyThread);
        await AppendAsync(store, "flush", 0);

        await admin.ExecuteAsync("SCRIPT", "FLUSH");
        await admin.ExecuteAsync("CONFIG", "RESETSTAT");
        await AppendAsync(store, "flush", 1);
        await AppendAsync(store, "flush", 2);

        var calls = await admin.CommandCallsAsync();
        Assert.Equal(1, calls.GetValueOrDefault("eval"));
        Assert.Equal(2, calls.GetValueOrDefault("evalsha"));
        Assert.Equal(1, await ScriptConnectionsAsync(admin));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task TryAppendAdmitting_ServerStalledPastTheTimeout_RefusedAndTheConnectionDropped(bool replyThread)
    {
        await using var server = await RedisServer.StartAsync();
        await using var admin = await RedisAdmin.ConnectAsync(server.Endpoint);
        await using var store = await StoreAsync(server, replyThread, commandTimeout: TimeSpan.FromMilliseconds(300));
        await AppendAsync(store, "stall", 0);

        // Every client's commands wait for 3 s: the append's reply cannot come within its 300 ms.
        await admin.ExecuteAsync("CLIENT", "PAUSE", "3000", "ALL");
        var refused = await Assert.ThrowsAsync<StateStoreUnavailableException>(async () => await AppendAsync(store, "stall", 1));

        Assert.IsType<TimeoutException>(refused.InnerException);
        Assert.Contains("did not answer log_append_admit", refused.Message, StringComparison.Ordinal);

        // Once the pause ends the chain goes on at the length it had: the stalled append's late reply was never read as
        // another call's (its connection was closed), and the append it carried may have been made — the store says which.
        await Eventually.HoldsAsync(async () => await ScriptConnectionsAsync(admin) == 0, Within, "the stalled connection was not closed");
        var length = (await store.ReadLogAsync(Key("stall", "log"), 0, 10)).Count;
        Assert.InRange(length, 1, 2);
        await AppendAsync(store, "stall", length);
        Assert.Equal(length + 1, (await store.ReadLogAsync(Key("stall", "log"), 0, 10)).Count);
        Assert.Equal(1, await ScriptConnectionsAsync(admin));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task TryAppendAdmitting_ServerKilledThenRestarted_RefusedThenCarriedOnANewConnection(bool replyThread)
    {
        await using var server = await RedisServer.StartAsync();
        await using var store = await StoreAsync(server, replyThread);
        await AppendAsync(store, "restart", 0);

        await server.KillAsync();
        await Assert.ThrowsAsync<StateStoreUnavailableException>(async () => await AppendAsync(store, "restart", 1));

        // The restarted server has no data (no persistence in the test): the idle connection it closed is dropped before
        // anything is sent on it, and the call made on a new one, not refused.
        await server.StartAsync();
        await Eventually.HoldsAsync(() => store.IsConnected, Within, "the client never reconnected");
        await AppendAsync(store, "restart", 0);
        await using var admin = await RedisAdmin.ConnectAsync(server.Endpoint);
        Assert.Equal(1, await ScriptConnectionsAsync(admin));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task TryAppendAdmitting_IdleConnectionClosedByTheServer_CarriedOnANewConnectionNotRefused(bool replyThread)
    {
        await using var server = await RedisServer.StartAsync();
        await using var admin = await RedisAdmin.ConnectAsync(server.Endpoint);
        await using var store = await StoreAsync(server, replyThread);
        await AppendAsync(store, "idle", 0);

        // The server closes the store's own connection while it is idle (an operator's CLIENT KILL, or redis.conf's timeout).
        var clients = (string)(await admin.ExecuteAsync("CLIENT", "LIST"))!;
        var line = clients.Split('\n').Single(l => l.Contains(" name=gateway-scripts ", StringComparison.Ordinal));
        var id = line.Split(' ').Single(field => field.StartsWith("id=", StringComparison.Ordinal))["id=".Length..];
        await admin.ExecuteAsync("CLIENT", "KILL", "ID", id);
        await Eventually.HoldsAsync(async () => await ScriptConnectionsAsync(admin) == 0, Within, "the server never closed the connection");

        await AppendAsync(store, "idle", 1);

        Assert.Equal(["line-0", "line-1"], await store.ReadLogAsync(Key("idle", "log"), 0, 10));
        Assert.Equal(1, await ScriptConnectionsAsync(admin));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task TryAppendAdmitting_PasswordProtectedServer_AuthenticatesItsOwnConnection(bool replyThread)
    {
        await using var server = await RedisServer.StartAsync(password: "s3cret-scripts");
        await using var admin = await RedisAdmin.ConnectAsync(server.Endpoint, "s3cret-scripts");
        await using var store = new RedisStateStore(new RedisStoreOptions
        {
            Endpoint = server.Endpoint,
            Password = "s3cret-scripts",
            Database = 3,
            ReplyThread = replyThread,
            ConnectTimeout = TimeSpan.FromSeconds(10),
            CommandTimeout = TimeSpan.FromSeconds(10),
        });
        await store.PingAsync();

        await AppendAsync(store, "auth", 0);

        Assert.Equal(1, await ScriptConnectionsAsync(admin));
        Assert.Equal(["line-0"], await store.ReadLogAsync(Key("auth", "log"), 0, 10));
        Assert.Contains("db3:keys=", (string)(await admin.ExecuteAsync("INFO", "keyspace"))!, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task DisposeAsync_IdleScriptConnections_Closed(bool replyThread)
    {
        await using var server = await RedisServer.StartAsync();
        await using var admin = await RedisAdmin.ConnectAsync(server.Endpoint);
        var store = await StoreAsync(server, replyThread);
        await AppendAsync(store, "dispose", 0);
        Assert.Equal(1, await ScriptConnectionsAsync(admin));

        await store.DisposeAsync();

        await Eventually.HoldsAsync(async () => await ScriptConnectionsAsync(admin) == 0, Within, "the store's own connection outlived it");
    }

    // A store whose client is connected: until it is, the script runs on StackExchange.Redis' connection.
    private static async Task<RedisStateStore> StoreAsync(RedisServer server, bool replyThread, bool direct = true, TimeSpan? commandTimeout = null)
    {
        var store = new RedisStateStore(new RedisStoreOptions
        {
            Endpoint = server.Endpoint,
            DirectScriptCalls = direct,
            ReplyThread = replyThread,
            ConnectTimeout = TimeSpan.FromSeconds(10),
            CommandTimeout = commandTimeout ?? TimeSpan.FromSeconds(10),
        });
        await store.PingAsync();
        return store;
    }

    private static string Key(string test, string name) => $"gw:{{t-{test}}}:{name}";

    // One line appended at expectedLength with one admission of the log's hash tag, which must be admitted.
    private static async Task AppendAsync(RedisStateStore store, string test, int expectedLength)
    {
        var admission = new AdmissionRequest(Key(test, $"nonce-{expectedLength}"), $"ts-{expectedLength}", TimeSpan.FromMinutes(5), [], []);
        var result = await store.TryAppendAdmittingAsync(Key(test, "log"), expectedLength, [Encoding.UTF8.GetBytes($"line-{expectedLength}")], null, [], null, [], [admission], []);
        Assert.True(result.Appended);
        Assert.True(Assert.Single(result.Outcomes).NonceFresh);
    }

    private static async Task<int> ScriptConnectionsAsync(RedisAdmin admin)
    {
        var clients = (string)(await admin.ExecuteAsync("CLIENT", "LIST"))!;
        return clients.Split('\n').Count(line => line.Contains(" name=gateway-scripts ", StringComparison.Ordinal));
    }
}
