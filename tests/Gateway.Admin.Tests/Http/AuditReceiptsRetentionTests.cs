using System.Net;
using Gateway.Admin.Tests.Infrastructure;
using Gateway.Admin.Tokens;
using Gateway.Audit;
using Gateway.Oversight.Tests.Infrastructure;
using Gateway.Store;
using Gateway.Testing.Stores;
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
    private sealed class RetiredUnderEveryRead(IAuditStore inner) : DelegatingAuditStore(inner)
    {
        private long _anchorReads;

        public override ValueTask<AuditTip> GetAnchorAsync(AuditPartition partition, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(new AuditTip(Interlocked.Increment(ref _anchorReads), AuditTip.Genesis.LastHash));

        public override async IAsyncEnumerable<string> ReadAsync(AuditPartition partition, long start, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            var read = 0;
            await foreach (var line in Inner.ReadAsync(partition, start, cancellationToken))
            {
                if (++read != 2)
                {
                    yield return line;
                }
            }
        }
    }
}
