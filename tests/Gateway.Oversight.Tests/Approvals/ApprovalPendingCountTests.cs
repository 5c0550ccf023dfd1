using System.Reflection;
using Gateway.Oversight.Approvals;
using Gateway.Oversight.Tests.Infrastructure;
using Gateway.Store;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.Oversight.Tests.Approvals;

/// <summary>
/// What counting the pending approvals costs and risks: an id whose request is gone is not read again on the next count,
/// and the tenant set the count reads is never a reason to refuse the approval it was written for, and the count is what the
/// pending list shows (its index of open requests too, not only the recent window).
/// </summary>
public sealed class ApprovalPendingCountTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly string _tenant = TestServices.NewTenant();

    [Fact]
    public async Task CountPendingAsync_ListedIdWhoseRequestIsGone_IsNotReadAgain()
    {
        var store = new InMemoryStateStore();
        // An id in the index written before the ring (the old stream), whose request expired long ago.
        Assert.True(await store.TryAppendAsync(StoreKeys.Approval(_tenant, "index"), 0, "apr_gone"));
        await using var host = await OversightTestHost.StartAsync(store: store, time: new FakeTimeProvider(Start));
        var known = new HashSet<string>(StringComparer.Ordinal);

        var pending = await host.Get<ApprovalService>().CountPendingAsync(_tenant, known);

        Assert.Equal(0, pending);
        Assert.Contains("apr_gone", known);
    }

    [Fact]
    public async Task CreateAsync_TenantSetUnavailable_StillReturnsTheApproval()
    {
        var store = TenantSetFailingStore.Wrap(new InMemoryStateStore());
        await using var host = await OversightTestHost.StartAsync(store: store, time: new FakeTimeProvider(Start));
        var approvals = host.Get<ApprovalService>();

        var opened = await approvals.CreateAsync(_tenant, "agent-1", "payments.transfer", "digest-0", "policy-digest", null,
            "gate-payments", ["alice"], 1, TimeSpan.FromMinutes(30), TimeSpan.FromMinutes(5));

        Assert.Equal(opened.Id, (await approvals.GetAsync(_tenant, opened.Id))?.Id);
    }

    [Fact]
    public async Task CountPendingAsync_PendingOlderThanTheRecentWindow_CountsWhatThePendingListShows()
    {
        var configuration = new Dictionary<string, string?> { ["Gateway:Approvals:ListWindow"] = "2" };
        await using var host = await OversightTestHost.StartAsync(configuration, time: new FakeTimeProvider(Start));
        var approvals = host.Get<ApprovalService>();
        for (var i = 0; i < 3; i++)
        {
            await approvals.CreateAsync(_tenant, "agent-" + i, "payments.transfer", "digest-" + i, "policy-digest", null,
                "gate-payments", ["alice"], 1, TimeSpan.FromMinutes(30), TimeSpan.FromMinutes(5));
        }

        var listed = await approvals.ListPendingAsync(_tenant);
        var counted = await approvals.CountPendingAsync(_tenant, new HashSet<string>(StringComparer.Ordinal));

        Assert.Equal(3, listed.Count);
        Assert.Equal(listed.Count, counted);
    }

    /// <summary>A state store whose writes to the set of approval tenants fail as an outage would (DispatchProxy needs an unsealed class).</summary>
    public class TenantSetFailingStore : DispatchProxy
    {
        private IStateStore _inner = null!;

        public static IStateStore Wrap(IStateStore inner)
        {
            var proxy = Create<IStateStore, TenantSetFailingStore>();
            ((TenantSetFailingStore)(object)proxy)._inner = inner;
            return proxy;
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            ArgumentNullException.ThrowIfNull(targetMethod);
            return targetMethod.Name == nameof(IKeyValueStore.SetAddAsync) && args?[0] is string key && key == StoreKeys.Prefix + "approval-tenants"
                ? ValueTask.FromException<long>(new StateStoreUnavailableException("the store is unavailable", new TimeoutException()))
                : targetMethod.Invoke(_inner, args);
        }
    }
}
