using Gateway.Store;

namespace Gateway.Testing.Stores;

/// <summary>One real redis-server per test class; <see cref="Connect"/> opens another client (another "replica").</summary>
public sealed class RedisFixture : IAsyncLifetime
{
    private readonly List<RedisStateStore> _clients = [];
    private RedisServer? _server;

    public IStateStore Store => _clients[0];

    public IStateStore Connect()
    {
        var client = new RedisStateStore(new RedisStoreOptions { ConnectTimeout = TimeSpan.FromSeconds(10), Endpoint = _server!.Endpoint, CommandTimeout = TimeSpan.FromSeconds(5) });
        lock (_clients)
        {
            _clients.Add(client);
        }

        return client;
    }

    public async Task InitializeAsync()
    {
        _server = await RedisServer.StartAsync();
        await Connect().PingAsync();
    }

    public async Task DisposeAsync()
    {
        foreach (var client in _clients)
        {
            await client.DisposeAsync();
        }

        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
