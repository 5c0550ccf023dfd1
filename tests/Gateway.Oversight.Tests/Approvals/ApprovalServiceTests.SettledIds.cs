using Gateway.Oversight.Approvals;
using Gateway.Oversight.Options;
using Gateway.Oversight.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using MsOptions = Microsoft.Extensions.Options.Options;

namespace Gateway.Oversight.Tests.Approvals;

/// <summary>A request once settled is never pending again: the pending list reads it once per replica, not at every view.</summary>
public abstract partial class ApprovalServiceTests
{
    [Fact]
    public async Task ListPendingAsync_500SettledRequestsInWindow_SecondListMakesNoStoreCallForThem()
    {
        var store = new CountingApprovalStore(new StateStoreApprovalStore(Store));
        var service = new ApprovalService(
            store, Store, new WarrantSigner(TestKeys.Keys), new EqualPolicyDigestsOnly(), Voters, Voters, Voters, Time, TestServices.Metrics,
            MsOptions.Create(new OversightOptions { Approvals = new ApprovalOptions { MaxOpenPerAgent = 600, ListWindow = 502 } }),
            NullLogger<ApprovalService>.Instance);
        var settled = new List<string>();
        for (var i = 0; i < 500; i++)
        {
            Time.Advance(TimeSpan.FromMilliseconds(1));
            settled.Add((await OpenForAsync(service, "agent-1", "settled-" + i)).Id);
        }

        // Half expire unread, half are denied (the first 250 are denied before the clock passes their expiry).
        foreach (var id in settled.Take(250))
        {
            await service.DenyAsync(Tenant, id, Voter("carol"));
        }

        Time.Advance(TimeSpan.FromMinutes(31));
        var older = await OpenForAsync(service, "agent-2", "still-pending-0");
        Time.Advance(TimeSpan.FromSeconds(1));
        var newer = await OpenForAsync(service, "agent-2", "still-pending-1");
        var first = await service.ListPendingAsync(Tenant);
        store.Reset();

        var second = await service.ListPendingAsync(Tenant);

        Assert.Equal([older.Id, newer.Id], first.Select(r => r.Id));
        Assert.Equal(first.Select(r => r.Id), second.Select(r => r.Id));
        Assert.Equal(0, store.ReadsOf(settled));
        Assert.True(store.ReadsOf([older.Id, newer.Id]) > 0, "the requests still pending are read again");
    }
}
