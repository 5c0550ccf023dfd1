using Gateway.Admin.Tokens;
using Gateway.Records.Tests.Infrastructure;
using Gateway.Store;

namespace Gateway.Records.Tests.Contracts;

public sealed class InMemoryAdminTokenStoreTests : AdminTokenStoreContract
{
    private readonly InMemoryStateStore _shared = new();

    protected override Task<IAdminTokenStore> StoreAsync() => Task.FromResult<IAdminTokenStore>(new StateStoreAdminTokenStore(_shared));

    protected override Task<IAdminTokenStore> StoreAsync(Func<IStateStore, IStateStore> wrap) =>
        Task.FromResult<IAdminTokenStore>(new StateStoreAdminTokenStore(wrap(_shared)));
}

public sealed class RedisAdminTokenStoreTests : AdminTokenStoreContract
{
    protected override async Task<IAdminTokenStore> StoreAsync() => new StateStoreAdminTokenStore(await Backends.RedisAsync());

    protected override async Task<IAdminTokenStore> StoreAsync(Func<IStateStore, IStateStore> wrap) =>
        new StateStoreAdminTokenStore(wrap(await Backends.RedisAsync()));
}

public sealed class PostgresAdminTokenStoreTests : AdminTokenStoreContract
{
    private readonly PostgresReplicas _replicas = new();

    protected override async Task<IAdminTokenStore> StoreAsync() => new PostgresAdminTokenStore(await _replicas.NextAsync());
}
