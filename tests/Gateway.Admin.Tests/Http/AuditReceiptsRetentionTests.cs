using System.Net;
using Gateway.Admin.Tests.Infrastructure;
using Gateway.Admin.Tokens;
using Gateway.Audit;
using Gateway.Oversight.Tests.Infrastructure;
using Gateway.Store;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Admin.Tests.Http;

/// <summary>The receipts route while retention keeps moving the chain under every read of it.</summary>
public sealed class AuditReceiptsRetentionTests : IAsyncLifetime
{
    private readonly string _tenant = TestServices.NewTenant();
    private AdminTestHost _host = null!;

    public async Task InitializeAsync()
    {
        _host = await AdminTestHost.StartAsync(configureServices: static s =>
            s.AddSingleton<IAuditStore>(static sp => new RetiredUnderEveryRead(new StoreAuditStore(sp.GetRequiredService<IStateStore>()))));
        _host.Register.Add(_tenant, approvers: ["alice"], agents: ["agent-1"]);
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task AuditReceipts_RetentionMovesTheChainThroughEveryRead_Is503AuditUnavailableWithRetryAfter()
    {
        var journal = _host.Get<AuditJournal>();
        for (var i = 0; i < 3; i++)
        {
            await journal.AppendWithReceiptAsync(new AuditEntry { Tenant = _tenant, Agent = "agent-1", Decision = "allow", Tool = "crm.read", StatusCode = 200, RequestId = "rr" + i });
        }

        using var auditor = _host.Client(await _host.IssueTokenAsync("audrey", AdminRoles.Auditor));

        using var response = await auditor.GetAsync($"/admin/v1/tenants/{_tenant}/audit/receipts?replica={journal.Replica}&from_seq=1&to_seq=3");

        // Not 500, and not 409 audit_receipts_mismatch: the receipts are sound, the reads kept missing records retention took.
        Assert.Equal(TimeSpan.FromSeconds(1), response.Headers.RetryAfter?.Delta);
        await AdminApiTests.AssertProblemAsync(response, HttpStatusCode.ServiceUnavailable, "audit_unavailable");
    }

    // Every read of the chain misses its second record, and the anchor has moved each time it is read: what a read sees
    // when a retention run takes records from under it, every time it reads.
    private sealed class RetiredUnderEveryRead(IAuditStore inner) : IAuditStore
    {
        private long _anchorReads;

        public ValueTask<AuditTip> GetAnchorAsync(AuditPartition partition, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(new AuditTip(Interlocked.Increment(ref _anchorReads), AuditTip.Genesis.LastHash));

        public async IAsyncEnumerable<string> ReadAsync(AuditPartition partition, long start, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            var read = 0;
            await foreach (var line in inner.ReadAsync(partition, start, cancellationToken))
            {
                if (++read != 2)
                {
                    yield return line;
                }
            }
        }

        public ValueTask<AuditTip> GetTipAsync(AuditPartition partition, CancellationToken cancellationToken = default) => inner.GetTipAsync(partition, cancellationToken);

        public ValueTask<bool> TryAppendAsync(AuditPartition partition, long expectedLength, IReadOnlyList<byte[]> lines, string lastHash, IReadOnlyList<AuditExplanation> explanations, IReadOnlyList<AuditReceiptBatch> receipts, CancellationToken cancellationToken = default) =>
            inner.TryAppendAsync(partition, expectedLength, lines, lastHash, explanations, receipts, cancellationToken);

        public ValueTask<IReadOnlyList<AuditReceiptBatch>> ReadReceiptBatchesAsync(AuditPartition partition, long fromSeq, long toSeq, CancellationToken cancellationToken = default) =>
            inner.ReadReceiptBatchesAsync(partition, fromSeq, toSeq, cancellationToken);

        public ValueTask<string?> GetExplanationAsync(string tenant, string digest, CancellationToken cancellationToken = default) => inner.GetExplanationAsync(tenant, digest, cancellationToken);

        public ValueTask<IReadOnlyList<string>> ListReplicasAsync(string tenant, CancellationToken cancellationToken = default) => inner.ListReplicasAsync(tenant, cancellationToken);

        public ValueTask ProbeAsync(CancellationToken cancellationToken = default) => inner.ProbeAsync(cancellationToken);
    }
}
