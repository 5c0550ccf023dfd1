using Gateway.Testing;

namespace Gateway.Store.Tests;

/// <summary>
/// The contract against the embedded store whose logs are sealed into their files after every append (a threshold of one
/// character): each read crosses from the files to the entries still in memory while sealings run beside the calls; on a clock the test moves.
/// </summary>
public sealed class DurableSealingInMemoryStateStoreContractTests : StateStoreContractTests, IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("gw-state-sealing-");
    private readonly InMemoryStateStore _store;

    private readonly ManualTimeProvider _clock = new();

    public DurableSealingInMemoryStateStoreContractTests() => _store = InMemoryStateStore.OpenDurable(_directory.FullName, _clock, sealThresholdChars: 1);

    protected override IStateStore Store => _store;

    protected override ManualTimeProvider Clock => _clock;

    public void Dispose()
    {
        _store.Dispose();
        _directory.Delete(recursive: true);
    }
}
