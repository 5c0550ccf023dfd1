using Gateway.Testing;

namespace Gateway.Store.Tests;

/// <summary>The contract against the embedded store with its journal (every change fsynced before the call returns), on a clock the test moves.</summary>
public sealed class DurableInMemoryStateStoreContractTests : StateStoreContractTests, IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("gw-state-contract-");
    private readonly InMemoryStateStore _store;

    private readonly ManualTimeProvider _clock = new();

    public DurableInMemoryStateStoreContractTests() => _store = InMemoryStateStore.OpenDurable(_directory.FullName, _clock);

    protected override IStateStore Store => _store;

    protected override ManualTimeProvider Clock => _clock;

    public void Dispose()
    {
        _store.Dispose();
        _directory.Delete(recursive: true);
    }
}
