using Gateway.Records.Tests.Infrastructure;
using Gateway.Store;
using Gateway.Testing;

namespace Gateway.Records.Tests.Contracts;

// The console's suspensions live in the state store only (the embedded store or Redis); PostgreSQL keeps no state store.

public sealed class InMemoryConsolePersonSuspensionsTests : ConsolePersonSuspensionsContract
{
    private readonly InMemoryStateStore _shared = new();

    protected override Task<IKeyValueStore> StoreAsync() => Task.FromResult<IKeyValueStore>(_shared);
}

public sealed class DurableEmbeddedConsolePersonSuspensionsTests : ConsolePersonSuspensionsContract, IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("gw-suspensions-");
    private readonly InMemoryStateStore _shared;

    public DurableEmbeddedConsolePersonSuspensionsTests() => _shared = InMemoryStateStore.OpenDurable(_directory.FullName, new ManualTimeProvider());

    protected override Task<IKeyValueStore> StoreAsync() => Task.FromResult<IKeyValueStore>(_shared);

    public void Dispose()
    {
        _shared.Dispose();
        _directory.Delete(recursive: true);
    }
}

public sealed class RedisConsolePersonSuspensionsTests : ConsolePersonSuspensionsContract
{
    protected override async Task<IKeyValueStore> StoreAsync() => await Backends.RedisAsync();
}
