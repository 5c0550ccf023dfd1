using Gateway.Audit;
using Gateway.Store;

namespace Gateway.Proxy.Tests.Infrastructure;

/// <summary>
/// The embedded store's default: no shared store and no sink configured, so the gateway appends its decision records to
/// the store's own journal under <c>{data directory}/state</c>; read back by opening that store in this process (which
/// replays the journal and cuts a torn tail, as a restart does) under the gateway's own <see cref="RetiringStoreAuditStore"/>.
/// </summary>
public sealed class EmbeddedStoreAuditSinkUnderTest(string dataDirectory) : AuditSinkUnderTest
{
    public override IReadOnlyDictionary<string, string> Settings { get; } = new Dictionary<string, string>();

    public override ValueTask<AuditSinkReader> OpenAsync()
    {
        var store = InMemoryStateStore.OpenDurable(Path.Combine(dataDirectory, "state"));
        return ValueTask.FromResult(new AuditSinkReader(new RetiringStoreAuditStore(store, store), () =>
        {
            store.Dispose();
            return ValueTask.CompletedTask;
        }));
    }
}
