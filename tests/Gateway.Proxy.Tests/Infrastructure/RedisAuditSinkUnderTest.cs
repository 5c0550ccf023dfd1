using Gateway.Audit;
using Gateway.Store;
using Gateway.Testing;

namespace Gateway.Proxy.Tests.Infrastructure;

/// <summary>
/// Redis mode: a real redis-server (it outlives the gateways it serves) holds the journal, read back with the
/// gateway's own <see cref="StoreAuditStore"/> over a <see cref="RedisStateStore"/> of this process.
/// </summary>
public sealed class RedisAuditSinkUnderTest : AuditSinkUnderTest
{
    private readonly RedisServer _server;

    private RedisAuditSinkUnderTest(RedisServer server)
    {
        _server = server;
        Settings = new Dictionary<string, string>
        {
            ["Gateway__Store__Kind"] = "redis",
            ["Gateway__Store__Redis__Endpoint"] = server.Endpoint,
        };
    }

    public override IReadOnlyDictionary<string, string> Settings { get; }

    public static async Task<RedisAuditSinkUnderTest> StartAsync() => new(await RedisServer.StartAsync());

    public override async ValueTask<AuditSinkReader> OpenAsync()
    {
        var store = new RedisStateStore(new RedisStoreOptions { Endpoint = _server.Endpoint, ConnectTimeout = TimeSpan.FromSeconds(10), CommandTimeout = TimeSpan.FromSeconds(10) });
        await store.PingAsync();
        return new AuditSinkReader(new StoreAuditStore(store), store.DisposeAsync);
    }

    public override async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        await base.DisposeAsync();
    }
}
