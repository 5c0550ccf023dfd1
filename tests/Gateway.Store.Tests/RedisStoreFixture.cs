using Gateway.Testing;

namespace Gateway.Store.Tests;

/// <summary>One real redis-server and one <see cref="RedisStateStore"/> (batched admissions, the default) shared by a test class.</summary>
public class RedisStoreFixture : IAsyncLifetime
{
    private readonly bool _batchAdmissions;
    private RedisServer? _server;
    private RedisStateStore? _store;

    public RedisStoreFixture()
        : this(batchAdmissions: true)
    {
    }

    /// <summary>A fixture whose store batches admissions or sends one script run per admission.</summary>
    protected RedisStoreFixture(bool batchAdmissions) => _batchAdmissions = batchAdmissions;

    public RedisServer Server => _server ?? throw new InvalidOperationException("Not started.");

    public RedisStateStore Store => _store ?? throw new InvalidOperationException("Not started.");

    public async Task InitializeAsync()
    {
        _server = await RedisServer.StartAsync();
        _store = new RedisStateStore(new RedisStoreOptions { ConnectTimeout = TimeSpan.FromSeconds(10), Endpoint = _server.Endpoint, CommandTimeout = TimeSpan.FromSeconds(5), BatchAdmissions = _batchAdmissions });
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

/// <summary>The fixture with admission batching off: one script run per admission, as before batching.</summary>
public sealed class UnbatchedRedisStoreFixture() : RedisStoreFixture(batchAdmissions: false);
