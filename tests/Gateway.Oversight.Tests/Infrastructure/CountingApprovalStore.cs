using System.Collections.Concurrent;
using Gateway.Oversight.Approvals;

namespace Gateway.Oversight.Tests.Infrastructure;

/// <summary>An approval store that counts the reads of each request (request, votes, outcome) and passes every call on.</summary>
internal sealed class CountingApprovalStore(IApprovalStore inner) : IApprovalStore
{
    private readonly ConcurrentDictionary<string, int> _reads = new(StringComparer.Ordinal);

    /// <summary>How many reads named any of <paramref name="ids"/> since the last <see cref="Reset"/>.</summary>
    public int ReadsOf(IEnumerable<string> ids) => ids.Sum(id => _reads.GetValueOrDefault(id));

    /// <summary>Forgets the reads counted so far.</summary>
    public void Reset() => _reads.Clear();

    public ValueTask<bool> TryCreateAsync(ApprovalRequest request, TimeSpan lifetime, CancellationToken cancellationToken = default) =>
        inner.TryCreateAsync(request, lifetime, cancellationToken);

    public ValueTask<ApprovalRequest?> GetAsync(string tenant, string id, CancellationToken cancellationToken = default)
    {
        Count(id);
        return inner.GetAsync(tenant, id, cancellationToken);
    }

    public ValueTask<IReadOnlyList<string>> ListRecentAsync(string tenant, int window, CancellationToken cancellationToken = default) =>
        inner.ListRecentAsync(tenant, window, cancellationToken);

    public ValueTask<ApprovalTally> AddVoteAsync(string tenant, string id, ApprovalVoter voter, TimeSpan lifetime, CancellationToken cancellationToken = default) =>
        inner.AddVoteAsync(tenant, id, voter, lifetime, cancellationToken);

    public ValueTask<IReadOnlyList<string>> GetVotersAsync(string tenant, string id, CancellationToken cancellationToken = default)
    {
        Count(id);
        return inner.GetVotersAsync(tenant, id, cancellationToken);
    }

    public ValueTask<ApprovalOutcomeDocument?> GetOutcomeAsync(string tenant, string id, CancellationToken cancellationToken = default)
    {
        Count(id);
        return inner.GetOutcomeAsync(tenant, id, cancellationToken);
    }

    public ValueTask<bool> TrySettleAsync(string tenant, string id, ApprovalOutcomeDocument outcome, TimeSpan lifetime, CancellationToken cancellationToken = default) =>
        inner.TrySettleAsync(tenant, id, outcome, lifetime, cancellationToken);

    public ValueTask<bool> TryUseWarrantAsync(string tenant, string approvalId, TimeSpan lifetime, CancellationToken cancellationToken = default) =>
        inner.TryUseWarrantAsync(tenant, approvalId, lifetime, cancellationToken);

    public ValueTask<bool> IsWarrantUsedAsync(string tenant, string approvalId, CancellationToken cancellationToken = default) =>
        inner.IsWarrantUsedAsync(tenant, approvalId, cancellationToken);

    public ValueTask<bool> TryVoidWarrantAsync(string tenant, string approvalId, TimeSpan lifetime, CancellationToken cancellationToken = default) =>
        inner.TryVoidWarrantAsync(tenant, approvalId, lifetime, cancellationToken);

    public ValueTask<WarrantUse> GetWarrantUseAsync(string tenant, string approvalId, CancellationToken cancellationToken = default) =>
        inner.GetWarrantUseAsync(tenant, approvalId, cancellationToken);

    private void Count(string id) => _reads.AddOrUpdate(id, 1, static (_, n) => n + 1);
}
