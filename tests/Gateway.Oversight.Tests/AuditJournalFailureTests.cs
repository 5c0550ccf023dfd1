using Gateway.Oversight.Audit;
using Gateway.Oversight.Tests.Infrastructure;
using Gateway.Store;
using Gateway.Testing;

namespace Gateway.Oversight.Tests;

public sealed class AuditJournalFailureTests
{
    [Fact]
    public async Task AppendAsync_StoreUnavailable_ThrowsAuditWriteException()
    {
        var journal = TestServices.Journal(new UnavailableSink(), new ManualTimeProvider());

        var ex = await Assert.ThrowsAsync<AuditWriteException>(() => journal.AppendAsync(new AuditEntry { Tenant = "t1", Agent = "a", Decision = "allow" }).AsTask());

        Assert.IsType<StateStoreUnavailableException>(ex.InnerException);
    }

    [Fact]
    public async Task AppendAsync_AlwaysLosingTheRace_ThrowsAuditWriteException()
    {
        var journal = TestServices.Journal(new AlwaysConflictingSink(), new ManualTimeProvider());

        await Assert.ThrowsAsync<AuditWriteException>(() => journal.AppendAsync(new AuditEntry { Tenant = "t1", Agent = "a", Decision = "allow" }).AsTask());
    }

    private sealed class UnavailableSink : IAuditStore
    {
        public ValueTask<AuditTip> GetTipAsync(string tenant, CancellationToken cancellationToken = default) => throw new StateStoreUnavailableException("down");

        public ValueTask<bool> TryAppendAsync(string tenant, long expectedLength, string line, string lineHash, CancellationToken cancellationToken = default) =>
            throw new StateStoreUnavailableException("down");

        public IAsyncEnumerable<string> ReadAsync(string tenant, long start, CancellationToken cancellationToken = default) => throw new StateStoreUnavailableException("down");
    }

    private sealed class AlwaysConflictingSink : IAuditStore
    {
        public ValueTask<AuditTip> GetTipAsync(string tenant, CancellationToken cancellationToken = default) => ValueTask.FromResult(AuditTip.Genesis);

        public ValueTask<bool> TryAppendAsync(string tenant, long expectedLength, string line, string lineHash, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(false);

        public IAsyncEnumerable<string> ReadAsync(string tenant, long start, CancellationToken cancellationToken = default) => AsyncEnumerable.Empty<string>();
    }
}
