using Gateway.Audit;
using Gateway.Oversight.Options;
using Gateway.Store;

namespace Gateway.Oversight.Approvals;

// What gateway.approvals.pending reports (PendingApprovalsRefresher): the tenants that have opened approvals, and each one's
// pending requests, counted in the store, so that every replica, a restarted one included, reports the same whole figure.
public sealed partial class ApprovalService
{
    /// <summary>
    /// The set of the tenants that have opened an approval (slugs, no expiry: as many members as tenants). Not under a
    /// tenant's hash tag: it spans them all, and is only ever used alone.
    /// </summary>
    private const string TenantsKey = StoreKeys.Prefix + "approval-tenants";

    /// <summary>How many of the recent window's requests not known settled the pending list reads at once.</summary>
    private const int ListReaders = 8;

    /// <summary>The ids of each tenant's requests this replica knows settled or gone: the pending list and the count skip them.</summary>
    private readonly SettledApprovalIds _settledIds;

    /// <summary>
    /// The tenant's pending requests, oldest first: those of its index of open requests (however many newer ones were opened
    /// since: at most <c>Gateway:Approvals:MaxOpenPerAgent</c> per registered agent) and those among its most recent
    /// <c>Gateway:Approvals:ListWindow</c> (which lists the requests opened before the index was kept). Of the window, those
    /// this replica knows settled or gone are not read again; the others are read up to <see cref="ListReaders"/> at once.
    /// </summary>
    public async ValueTask<IReadOnlyList<ApprovalRequest>> ListPendingAsync(string tenant, CancellationToken cancellationToken = default)
    {
        Identifiers.ThrowIfInvalidTenant(tenant);
        var ids = await _store.ListRecentAsync(tenant, _options.ListWindow, cancellationToken);
        var pending = await ListIndexedPendingAsync(tenant, ids.ToHashSet(StringComparer.Ordinal), cancellationToken);
        _settledIds.KeepOnly(tenant, ids);
        var unsettled = ids.Where(id => !_settledIds.Contains(tenant, id)).ToArray();
        var read = new ApprovalRequest?[unsettled.Length];
        var readers = new ParallelOptions { MaxDegreeOfParallelism = ListReaders, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(Enumerable.Range(0, unsettled.Length), readers, async (i, token) =>
        {
            read[i] = await GetAsync(tenant, unsettled[i], token);
            if (read[i]?.Status != ApprovalStatus.Pending)
            {
                // Settled (or expired by this read) or gone: never pending again.
                _settledIds.Add(tenant, unsettled[i]);
            }
        });

        pending.AddRange(read.Where(static r => r?.Status == ApprovalStatus.Pending)!);
        return [.. pending.OrderBy(static r => r.CreatedAt)];
    }

    /// <summary>The tenants that have opened approvals, as the store lists them.</summary>
    internal async ValueTask<IReadOnlyList<string>> ListApprovalTenantsAsync(CancellationToken cancellationToken = default) =>
        [.. (await _state.SetMembersAsync(TenantsKey, cancellationToken)).Where(Identifiers.IsValidTenant)];

    /// <summary>
    /// How many of the tenant's requests are pending (<see cref="CountPendingAsync(string, ISet{string}, CancellationToken)"/>),
    /// the ids known settled being this replica's, which the pending list shares.
    /// </summary>
    internal ValueTask<long> CountPendingAsync(string tenant, CancellationToken cancellationToken = default) =>
        CountPendingAsync(tenant, id => _settledIds.Contains(tenant, id), id => _settledIds.Add(tenant, id), ids => _settledIds.KeepOnly(tenant, ids), cancellationToken);

    /// <summary>
    /// How many of the tenant's requests are pending, as the store holds them (no outcome yet and not past their expiry): the
    /// ones <see cref="ListPendingAsync"/> shows, of the most recent <c>Gateway:Approvals:ListWindow</c> and of the tenant's
    /// index of open requests. One whose time ran out unread is settled <c>expired</c> here, as a read of it
    /// would (so <c>gateway.approvals.settled</c> counts it). <paramref name="settled"/> holds the ids already known to have
    /// an outcome or to be gone, neither of which changes: they are not read again; it is kept to the ids listed and added to
    /// (an indexed request found settled leaves the index instead).
    /// </summary>
    internal ValueTask<long> CountPendingAsync(string tenant, ISet<string> settled, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settled);
        return CountPendingAsync(tenant, settled.Contains, id => settled.Add(id), settled.IntersectWith, cancellationToken);
    }

    // The count over the ids known settled that isSettled reads, remember adds to and keepOnly keeps to the ids listed.
    private async ValueTask<long> CountPendingAsync(
        string tenant, Func<string, bool> isSettled, Action<string> remember, Action<IReadOnlyList<string>> keepOnly, CancellationToken cancellationToken)
    {
        Identifiers.ThrowIfInvalidTenant(tenant);
        var ids = await _store.ListRecentAsync(tenant, _options.ListWindow, cancellationToken);
        keepOnly(ids);
        long pending = 0;
        foreach (var id in ids)
        {
            if (isSettled(id))
            {
                continue;
            }

            if (await _store.GetOutcomeAsync(tenant, id, cancellationToken) is not null)
            {
                remember(id);
                continue;
            }

            if (await LoadAsync(tenant, id, cancellationToken) is not { } stored)
            {
                // Gone (its keys expired, or retention removed it) and never back: not read again while it stays listed.
                remember(id);
                continue;
            }

            if (await SettledIfExpiredAsync(stored, cancellationToken))
            {
                remember(id);
                continue;
            }

            pending++;
        }

        // And those of the tenant's index of open requests that left the window, as the pending list shows them.
        return pending + (await ListIndexedPendingAsync(tenant, ids.ToHashSet(StringComparer.Ordinal), cancellationToken)).Count;
    }

    // Twice the window: the ids still listed fit, and those that left it are dropped long before the set is emptied.
    private static int SettledIdsPerTenant(ApprovalOptions options) => 2 * Math.Max(1, options.ListWindow);

    // Only the gauge reads the set: an outage here is logged and never refuses the approval already stored (the next
    // approval the tenant opens writes it again).
    private async ValueTask RememberTenantAsync(string tenant, CancellationToken cancellationToken)
    {
        try
        {
            await _state.SetAddAsync(TenantsKey, tenant, expiry: null, cancellationToken);
        }
        catch (StateStoreUnavailableException ex)
        {
            OversightLog.ApprovalTenantNotRemembered(_logger, tenant, ex.GetType().Name);
        }
    }
}
