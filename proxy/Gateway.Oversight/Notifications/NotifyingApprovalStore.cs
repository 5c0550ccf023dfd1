using Gateway.Oversight.Approvals;

namespace Gateway.Oversight.Notifications;

/// <summary>
/// The approval store as registered, which tells <see cref="ApprovalNotifier"/> of each request it created: the hook sits
/// where an approval comes into being, whoever opens it (the decision stage, or an effect carried out after Record), and
/// queuing never blocks or fails the creation. Every other operation is the inner store's.
/// </summary>
public sealed class NotifyingApprovalStore(IApprovalStore inner, ApprovalNotifier notifier) : IApprovalStore
{
    public async ValueTask<bool> TryCreateAsync(ApprovalRequest request, TimeSpan lifetime, CancellationToken cancellationToken = default)
    {
        var created = await inner.TryCreateAsync(request, lifetime, cancellationToken);
        if (created)
        {
            notifier.Opened(request);
        }

        return created;
    }

    public ValueTask<ApprovalRequest?> GetAsync(string tenant, string id, CancellationToken cancellationToken = default) => inner.GetAsync(tenant, id, cancellationToken);

    public ValueTask<IReadOnlyList<string>> ListRecentAsync(string tenant, int window, CancellationToken cancellationToken = default) => inner.ListRecentAsync(tenant, window, cancellationToken);

    public ValueTask<ApprovalTally> AddVoteAsync(string tenant, string id, ApprovalVoter voter, TimeSpan lifetime, CancellationToken cancellationToken = default) =>
        inner.AddVoteAsync(tenant, id, voter, lifetime, cancellationToken);

    public ValueTask<IReadOnlyList<string>> GetVotersAsync(string tenant, string id, CancellationToken cancellationToken = default) => inner.GetVotersAsync(tenant, id, cancellationToken);

    public ValueTask<ApprovalOutcomeDocument?> GetOutcomeAsync(string tenant, string id, CancellationToken cancellationToken = default) => inner.GetOutcomeAsync(tenant, id, cancellationToken);

    public ValueTask<bool> TrySettleAsync(string tenant, string id, ApprovalOutcomeDocument outcome, TimeSpan lifetime, CancellationToken cancellationToken = default) =>
        inner.TrySettleAsync(tenant, id, outcome, lifetime, cancellationToken);

    public ValueTask<bool> TryUseWarrantAsync(string tenant, string approvalId, TimeSpan lifetime, CancellationToken cancellationToken = default) =>
        inner.TryUseWarrantAsync(tenant, approvalId, lifetime, cancellationToken);

    public ValueTask<bool> IsWarrantUsedAsync(string tenant, string approvalId, CancellationToken cancellationToken = default) => inner.IsWarrantUsedAsync(tenant, approvalId, cancellationToken);

    public ValueTask<bool> TryVoidWarrantAsync(string tenant, string approvalId, TimeSpan lifetime, CancellationToken cancellationToken = default) =>
        inner.TryVoidWarrantAsync(tenant, approvalId, lifetime, cancellationToken);

    public ValueTask<WarrantUse> GetWarrantUseAsync(string tenant, string approvalId, CancellationToken cancellationToken = default) => inner.GetWarrantUseAsync(tenant, approvalId, cancellationToken);
}
