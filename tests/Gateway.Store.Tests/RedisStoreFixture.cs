using Gateway.Testing;

namespace Gateway.Store.Tests;

/// <summary>One real redis-server and one <see cref="RedisStateStore"/> shared by a test class.</summary>
public sealed class RedisStoreFixture : IAsyncLifetime
{
    private RedisServer? _server;
    private RedisStateStore? _store;

    public RedisServer Server => _server ?? throw new InvalidOperationException("Not started.");

    public RedisStateStore Store => _store ?? throw new InvalidOperationException("Not started.");

    public async Task InitializeAsync()
    {
        _server = await RedisServer.StartAsync();
        _store = new RedisStateStore(new RedisStoreOptions { ConnectTimeout = TimeSpan.FromSeconds(10), Endpoint = _server.Endpoint, CommandTimeout = TimeSpan.FromSeconds(5) });
        await _store.PingAsync();
    }

    public async Task DisposeAsync()
    {
        if (_store is not null)
        {
            await _store.DisposeAsync();
        }

        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
