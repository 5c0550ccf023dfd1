using Gateway.Oversight.Approvals;
using Gateway.Records.Tests.Infrastructure;
using Gateway.Store;

namespace Gateway.Records.Tests.Contracts;

/// <summary>The index of <see cref="StateStoreApprovalStore"/> as a ring of slots: what it lists once it wraps, and the log of older replicas it replaced.</summary>
public sealed class StateStoreApprovalIndexRingTests
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromHours(1);

    private readonly string _tenant = Backends.NewTenant();

    [Fact]
    public async Task ListRecentAsync_MoreApprovalsThanTheIndexHolds_ListsTheNewestOldestFirst()
    {
        var store = new StateStoreApprovalStore(new InMemoryStateStore(), indexSize: 8);
        var ids = await CreateAsync(store, 20);

        Assert.Equal(ids[^5..], await store.ListRecentAsync(_tenant, 5));
        Assert.Equal(ids[^8..], await store.ListRecentAsync(_tenant, 100));
        Assert.Empty(await store.ListRecentAsync(Backends.NewTenant(), 100));
    }

    [Fact]
    public async Task ListRecentAsync_RequestsAReplicaNotYetUpgradedListedInTheOldLog_AreListedBeforeTheNewer()
    {
        var state = new InMemoryStateStore();
        var store = new StateStoreApprovalStore(state);
        string[] older = [ApprovalIds.New(), ApprovalIds.New()];
        var oldLog = StoreKeys.Approval(_tenant, "index");
        Assert.True(await state.TryAppendAsync(oldLog, 0, older[0]));
        Assert.True(await state.TryAppendAsync(oldLog, 1, older[1]));
        var newer = await CreateAsync(store, 2);

        Assert.Equal([.. older, .. newer], await store.ListRecentAsync(_tenant, 10));
        Assert.Equal([older[1], .. newer], await store.ListRecentAsync(_tenant, 3));
    }

    private async Task<List<string>> CreateAsync(StateStoreApprovalStore store, int count)
    {
        var ids = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var now = DateTimeOffset.UtcNow;
            var request = new ApprovalRequest
            {
                Id = ApprovalIds.New(),
                Tenant = _tenant,
                Agent = "agent-1",
                Tool = "payments.transfer",
                IntentDigest = "digest",
                PolicyDigest = "policy",
                Approvers = ["alice", "bob"],
                ApprovalsRequired = 1,
                CreatedAt = now,
                ExpiresAt = now.AddMinutes(30),
                WarrantTtlSeconds = 300,
                Status = ApprovalStatus.Pending,
                Approvals = [],
            };
            Assert.True(await store.TryCreateAsync(request, Lifetime));
            ids.Add(request.Id);
        }

        return ids;
    }
}
