namespace Gateway.Store.Tests;

/// <summary>The contract against the embedded store with its journal (every change fsynced before the call returns).</summary>
public sealed class DurableInMemoryStateStoreContractTests : StateStoreContractTests, IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("gw-state-contract-");
    private readonly InMemoryStateStore _store;

    public DurableInMemoryStateStoreContractTests() => _store = InMemoryStateStore.OpenDurable(_directory.FullName);

    protected override IStateStore Store => _store;

    public void Dispose()
    {
        _store.Dispose();
        _directory.Delete(recursive: true);
    }
}
