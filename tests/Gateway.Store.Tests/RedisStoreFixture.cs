using Gateway.Testing;

namespace Gateway.Store.Tests;

/// <summary>One real redis-server and one <see cref="RedisStateStore"/> (batched admissions, the default) shared by a test class.</summary>
public class RedisStoreFixture : IAsyncLifetime
{
    private readonly bool _batchAdmissions;
    private readonly bool _batchBudgets;
    private RedisServer? _server;
    private RedisStateStore? _store;

    public RedisStoreFixture()
        : this(batchAdmissions: true, batchBudgets: true)
    {
    }

    /// <summary>
    /// A fixture whose store batches admissions or sends one script run per admission, and reserves
    /// budgets in the admission's script run (settles batched) or with calls of their own.
    /// </summary>
    protected RedisStoreFixture(bool batchAdmissions, bool batchBudgets)
    {
        _batchAdmissions = batchAdmissions;
        _batchBudgets = batchBudgets;
    }

    public RedisServer Server => _server ?? throw new InvalidOperationException("Not started.");

    public RedisStateStore Store => _store ?? throw new InvalidOperationException("Not started.");

    public async Task InitializeAsync()
    {
        _server = await RedisServer.StartAsync();
        _store = new RedisStateStore(new RedisStoreOptions { ConnectTimeout = TimeSpan.FromSeconds(10), Endpoint = _server.Endpoint, CommandTimeout = TimeSpan.FromSeconds(5), BatchAdmissions = _batchAdmissions, BatchBudgets = _batchBudgets });
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

/// <summary>The fixture with admission and budget batching off: one script run per admission, reservation and settle, as before batching.</summary>
public sealed class UnbatchedRedisStoreFixture() : RedisStoreFixture(batchAdmissions: false, batchBudgets: false);

/// <summary>The fixture with one script run per admission that also makes its budget reservation (settles batched).</summary>
public sealed class PerRequestAdmissionRedisStoreFixture() : RedisStoreFixture(batchAdmissions: false, batchBudgets: true);
