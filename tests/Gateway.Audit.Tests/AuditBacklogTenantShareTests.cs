using Gateway.Audit.Options;
using Gateway.Audit.Tests.Infrastructure;
using Gateway.Store;
using Gateway.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using MsOptions = Microsoft.Extensions.Options.Options;

namespace Gateway.Audit.Tests;

/// <summary>
/// The journal's backlog is shared fairly among tenants: one tenant whose chains the sink refuses (its Redis Cluster slot
/// down) holds no more than its share, and neither drops another tenant's refusals nor holds them back once that tenant's
/// chains take appends again.
/// </summary>
public sealed class AuditBacklogTenantShareTests
{
    private const string First = "tenant-a";
    private const string Second = "tenant-b";

    // What the whole backlog holds, every tenant's together (AuditBacklog.Capacity).
    private const int WholeBacklog = 10_000;

    private readonly ManualTimeProvider _time = new();

    [Fact]
    public async Task TryAdd_OneTenantAtItsShare_AnotherTenantsRefusalIsStillKept()
    {
        var sink = new TenantOutageSink(new StoreAuditStore(new InMemoryStateStore(_time)));
        var journal = TestServices.Journal(sink, _time);
        sink.Down(First, Second);

        // The first tenant's slot stays down for as many refusals as the whole backlog holds.
        for (var i = 0; i < WholeBacklog; i++)
        {
            await RefusedAsync(journal, First, "req-a" + i);
        }

        var held = journal.BacklogCount;
        await RefusedAsync(journal, Second, "req-b");

        Assert.Equal(held + 1, journal.BacklogCount);
    }

    [Fact]
    public async Task FlushBacklog_OneTenantsChainStillFailing_OtherTenantsEntriesAreWritten()
    {
        var sink = new TenantOutageSink(new StoreAuditStore(new InMemoryStateStore(_time)));
        var journal = TestServices.Journal(sink, _time);
        sink.Down(First, Second);
        await RefusedAsync(journal, First, "req-a1");
        await RefusedAsync(journal, First, "req-a2");
        await RefusedAsync(journal, Second, "req-b1");

        // The second tenant's slot is back, the first's is not: its entries, queued first, do not hold the second's back.
        sink.Down(First);
        Assert.Equal(1, await journal.FlushBacklogAsync());

        Assert.Equal(2, journal.BacklogCount);
        var written = Assert.Single(await journal.ReadAsync(Second, 0, 10));
        Assert.Equal("req-b1", written.GetProperty("request_id").GetString());
        Assert.Equal("refused:audit_unavailable", written.GetProperty("decision").GetString());

        // Once the first tenant's slot is back, its entries are written in the order they came.
        sink.Down();
        Assert.Equal(2, await journal.FlushBacklogAsync());
        Assert.Equal(0, journal.BacklogCount);
        Assert.Equal(["req-a1", "req-a2"], (await journal.ReadAsync(First, 0, 10)).Select(static r => r.GetProperty("request_id").GetString()));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(WholeBacklog + 1)]
    public void Journal_BacklogCapacityPerTenantOutOfRange_RefusesToStart(int share)
    {
        var options = MsOptions.Create(new AuditOptions { ReplicaId = TestServices.Replica, BacklogCapacityPerTenant = share });

        var refused = Assert.Throws<ArgumentOutOfRangeException>(() => new AuditJournal(
            new StoreAuditStore(new InMemoryStateStore(_time)), [], _time, TestServices.Metrics, options, MsOptions.Create(new EvidenceOptions()),
            TestServices.ReceiptKeys, NullLogger<AuditJournal>.Instance));

        Assert.Contains("Gateway:Audit:BacklogCapacityPerTenant", refused.Message, StringComparison.Ordinal);
    }

    // Appends an entry the sink refuses: it joins the backlog as its refusal.
    private static async Task RefusedAsync(AuditJournal journal, string tenant, string requestId) =>
        await Assert.ThrowsAsync<AuditWriteException>(() => journal.AppendAsync(new AuditEntry { Tenant = tenant, Agent = "agent-1", Decision = "allow", RequestId = requestId }).AsTask());

    /// <summary>A sink whose chains of the tenants named <see cref="Down"/> are unavailable, as a Redis Cluster slot that is down.</summary>
    private sealed class TenantOutageSink(IAuditStore inner) : IAuditStore
    {
        private volatile string[] _down = [];

        public bool KeepsAppendOrder => inner.KeepsAppendOrder;

        public bool ChainsAppendSideBySide => inner.ChainsAppendSideBySide;

        public bool StoresReceiptsApart => inner.StoresReceiptsApart;

        /// <summary>From now on, the chains of exactly these tenants are unavailable.</summary>
        public void Down(params string[] tenants) => _down = tenants;

        public ValueTask<AuditTip> GetTipAsync(AuditPartition partition, CancellationToken cancellationToken = default)
        {
            ThrowIfDown(partition.Tenant);
            return inner.GetTipAsync(partition, cancellationToken);
        }

        public ValueTask<bool> TryAppendAsync(AuditPartition partition, long expectedLength, IReadOnlyList<byte[]> lines, string lastHash, IReadOnlyList<AuditExplanation> explanations, IReadOnlyList<AuditReceiptBatch> receipts, CancellationToken cancellationToken = default)
        {
            ThrowIfDown(partition.Tenant);
            return inner.TryAppendAsync(partition, expectedLength, lines, lastHash, explanations, receipts, cancellationToken);
        }

        public ValueTask<IReadOnlyList<AuditReceiptBatch>> ReadReceiptBatchesAsync(AuditPartition partition, long fromSeq, long toSeq, CancellationToken cancellationToken = default) =>
            inner.ReadReceiptBatchesAsync(partition, fromSeq, toSeq, cancellationToken);

        public ValueTask<string?> GetExplanationAsync(string tenant, string digest, CancellationToken cancellationToken = default) =>
            inner.GetExplanationAsync(tenant, digest, cancellationToken);

        public IAsyncEnumerable<string> ReadAsync(AuditPartition partition, long start, CancellationToken cancellationToken = default) =>
            inner.ReadAsync(partition, start, cancellationToken);

        public ValueTask<IReadOnlyList<string>> ListReplicasAsync(string tenant, CancellationToken cancellationToken = default) =>
            inner.ListReplicasAsync(tenant, cancellationToken);

        public ValueTask<AuditTip> GetAnchorAsync(AuditPartition partition, CancellationToken cancellationToken = default) =>
            inner.GetAnchorAsync(partition, cancellationToken);

        public ValueTask ProbeAsync(CancellationToken cancellationToken = default) => inner.ProbeAsync(cancellationToken);

        private void ThrowIfDown(string tenant)
        {
            if (_down.Contains(tenant, StringComparer.Ordinal))
            {
                throw new StateStoreUnavailableException("The tenant's slot is down.");
            }
        }
    }
}
