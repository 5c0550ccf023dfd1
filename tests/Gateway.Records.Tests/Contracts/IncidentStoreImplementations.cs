using Gateway.Oversight.Incidents;
using Gateway.Records.Tests.Infrastructure;
using Gateway.Store;

namespace Gateway.Records.Tests.Contracts;

public sealed class InMemoryIncidentStoreTests : IncidentStoreContract
{
    protected override Task<IIncidentStore> StoreAsync() => Task.FromResult<IIncidentStore>(new StateStoreIncidentStore(new InMemoryStateStore()));
}

public sealed class RedisIncidentStoreTests : IncidentStoreContract
{
    protected override async Task<IIncidentStore> StoreAsync() => new StateStoreIncidentStore(await Backends.RedisAsync());
}

public sealed class PostgresIncidentStoreTests : IncidentStoreContract
{
    protected override async Task<IIncidentStore> StoreAsync() => new PostgresIncidentStore((await Backends.PostgresAsync()).Database);
}
