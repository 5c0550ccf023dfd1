using Gateway.Audit.Tests.Infrastructure;
using Gateway.Store;
using Gateway.Testing;

namespace Gateway.Audit.Tests;

/// <summary>
/// Which sinks append their chains side by side (<see cref="IAuditStore.ChainsAppendSideBySide"/>, #71): the embedded
/// store's alone, so that only there an unset <c>Gateway:Audit:ChainsPerReplica</c> grows with the cores.
/// </summary>
public sealed class AuditSinkChainsTests : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("sink-chains-");
    private readonly InMemoryStateStore _store = new(new ManualTimeProvider(DateTimeOffset.UnixEpoch));

    public void Dispose()
    {
        _store.Dispose();
        _root.Delete(recursive: true);
    }

    [Fact]
    public void ChainsAppendSideBySide_EmbeddedStoreSink_True() =>
        Assert.True(new RetiringStoreAuditStore(_store, _store).ChainsAppendSideBySide);

    [Fact]
    public void ChainsAppendSideBySide_SharedStoreAndFileSinks_False()
    {
        using var file = TestServices.FileSink(_root.FullName);

        Assert.False(((IAuditStore)new StoreAuditStore(_store)).ChainsAppendSideBySide);
        Assert.False(((IAuditStore)file).ChainsAppendSideBySide);
    }
}
