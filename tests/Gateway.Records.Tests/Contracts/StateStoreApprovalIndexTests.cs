using Gateway.Oversight.Approvals;
using Gateway.Records.Tests.Infrastructure;
using Gateway.Store;
using Gateway.Testing;

namespace Gateway.Records.Tests.Contracts;

/// <summary>
/// The per-tenant index of <see cref="StateStoreApprovalStore"/> stays bounded: it holds no more ids than the largest list
/// window, and none past its request's lifetime (a Redis with noeviction would otherwise fill with it).
/// </summary>
public sealed class StateStoreApprovalIndexTests
{
    // The largest Gateway:Approvals:ListWindow: all that a listing ever reads.
    private const int LargestListWindow = 10_000;

    private readonly ManualTimeProvider _time = new();
    private readonly string _tenant = Backends.NewTenant();

    [Fact]
    public async Task TryCreateAsync_ApprovalsPastTheirLifetime_LeaveNothingInTheIndex()
    {
        var state = new InMemoryStateStore(_time);
        var store = new StateStoreApprovalStore(state);
        for (var i = 0; i < 100; i++)
        {
            await store.TryCreateAsync(Document(), TimeSpan.FromMinutes(1));
        }

        _time.Advance(TimeSpan.FromMinutes(2));
        var last = Document();
        await store.TryCreateAsync(last, TimeSpan.FromMinutes(1));

        Assert.Equal([last.Id], await store.ListRecentAsync(_tenant, LargestListWindow));
        Assert.InRange(await IndexEntriesAsync(state), 1, 2);
    }

    [Fact]
    public async Task TryCreateAsync_MoreApprovalsThanTheLargestListWindow_HoldsNoMoreIndexEntriesThanIt()
    {
        var state = new InMemoryStateStore(_time);
        var store = new StateStoreApprovalStore(state);
        var ids = new List<string>();
        for (var i = 0; i < LargestListWindow + 100; i++)
        {
            var document = Document();
            await store.TryCreateAsync(document, TimeSpan.FromHours(1));
            ids.Add(document.Id);
        }

        Assert.InRange(await IndexEntriesAsync(state), LargestListWindow, LargestListWindow + 1);
        Assert.Equal(ids[^LargestListWindow..], await store.ListRecentAsync(_tenant, LargestListWindow));
    }

    // What the tenant's index holds: each of its keys, a log counted by its entries.
    private async Task<long> IndexEntriesAsync(InMemoryStateStore state)
    {
        long held = 0;
        foreach (var key in await state.ListKeysAsync(StoreKeys.Approval(_tenant, "index")))
        {
            held += Math.Max(1, await state.LogLengthAsync(key));
        }

        return held;
    }

    private ApprovalRequest Document()
    {
        var now = _time.GetUtcNow();
        return new ApprovalRequest
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
            ExpiresAt = now.AddMinutes(1),
            WarrantTtlSeconds = 300,
            Status = ApprovalStatus.Pending,
            Approvals = [],
        };
    }
}
