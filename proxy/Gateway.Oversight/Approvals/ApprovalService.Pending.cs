using Gateway.Audit;
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

    /// <summary>The tenants that have opened approvals, as the store lists them.</summary>
    internal async ValueTask<IReadOnlyList<string>> ListApprovalTenantsAsync(CancellationToken cancellationToken = default) =>
        [.. (await _state.SetMembersAsync(TenantsKey, cancellationToken)).Where(Identifiers.IsValidTenant)];

    /// <summary>
    /// How many of the tenant's requests are pending, as the store holds them (no outcome yet and not past their expiry): the
    /// ones <see cref="ListPendingAsync"/> shows, of the most recent <c>Gateway:Approvals:ListWindow</c> and of the tenant's
    /// index of open requests. One whose time ran out unread is settled <c>expired</c> here, as a read of it
    /// would (so <c>gateway.approvals.settled</c> counts it). <paramref name="settled"/> holds the ids already known to have
    /// an outcome or to be gone, neither of which changes: they are not read again; it is kept to the ids listed and added to
    /// (an indexed request found settled leaves the index instead).
    /// </summary>
    internal async ValueTask<long> CountPendingAsync(string tenant, ISet<string> settled, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settled);
        Identifiers.ThrowIfInvalidTenant(tenant);
        var ids = await _store.ListRecentAsync(tenant, _options.ListWindow, cancellationToken);
        settled.IntersectWith(ids);
        long pending = 0;
        foreach (var id in ids)
        {
            if (settled.Contains(id))
            {
                continue;
            }

            if (await _store.GetOutcomeAsync(tenant, id, cancellationToken) is not null)
            {
                settled.Add(id);
                continue;
            }

            if (await LoadAsync(tenant, id, cancellationToken) is not { } stored)
            {
                // Gone (its keys expired, or retention removed it) and never back: not read again while it stays listed.
                settled.Add(id);
                continue;
            }

            if (await SettledIfExpiredAsync(stored, cancellationToken))
            {
                settled.Add(id);
                continue;
            }

            pending++;
        }

        // And those of the tenant's index of open requests that left the window, as the pending list shows them.
        return pending + (await ListIndexedPendingAsync(tenant, ids.ToHashSet(StringComparer.Ordinal), cancellationToken)).Count;
    }

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
