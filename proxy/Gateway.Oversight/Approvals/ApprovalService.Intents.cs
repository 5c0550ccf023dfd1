using Gateway.Audit;
using Gateway.Store;

namespace Gateway.Oversight.Approvals;

/// <summary>
/// The intent half of <see cref="ApprovalService"/>: one approval at a time per agent and intent, so that an agent retrying
/// the same action cannot fill the inbox with copies of it (docs/approvals-and-audit.md, "One approval per intent").
/// </summary>
public sealed partial class ApprovalService
{
    /// <summary>
    /// The approval that a new <c>require_approval</c> for <paramref name="agent"/>'s <paramref name="intentDigest"/> folds
    /// into: the last one opened for that intent while it is pending, or while it is approved with a warrant that is still
    /// good (not expired, revoked or used). Null when a new one is to be opened: none was, or the last was denied, expired,
    /// revoked or carried out.
    /// </summary>
    public ValueTask<ApprovalRequest?> FindOpenForIntentAsync(string tenant, string agent, string intentDigest, CancellationToken cancellationToken = default) =>
        FindOpenForIntentAsync(tenant, agent, intentDigest, policyDigest: null, cancellationToken);

    /// <summary>
    /// The same, under the tenant's policy now (<paramref name="policyDigest"/>): an approval opened under another policy
    /// folds the retry in only while <see cref="IWarrantCompatibility"/> accepts its warrant under this one; after an
    /// incompatible change its warrant would be refused (<see cref="WarrantReasons.PolicyChanged"/>), so a new one is opened.
    /// Null <paramref name="policyDigest"/>: any policy.
    /// </summary>
    public ValueTask<ApprovalRequest?> FindOpenForIntentAsync(string tenant, string agent, string intentDigest, string? policyDigest, CancellationToken cancellationToken = default) =>
        FindOpenForIntentAsync(tenant, agent, intentDigest, policyDigest, obligation: null, cancellationToken);

    /// <summary>
    /// The same, for a request that meets <paramref name="obligation"/> now: an approval opened for an obligation that does not
    /// cover it (<see cref="ApprovalObligation.Covers"/>) would not lift it (<see cref="WarrantReasons.ObligationChanged"/>), so
    /// the retry does not fold into it and a new one is opened. Null <paramref name="obligation"/>: any obligation.
    /// </summary>
    public async ValueTask<ApprovalRequest?> FindOpenForIntentAsync(
        string tenant, string agent, string intentDigest, string? policyDigest, ApprovalObligation? obligation, CancellationToken cancellationToken = default)
    {
        Identifiers.ThrowIfInvalidTenant(tenant);
        ArgumentException.ThrowIfNullOrEmpty(agent);
        ArgumentException.ThrowIfNullOrEmpty(intentDigest);
        var id = await _state.GetAsync(StoreKeys.ApprovalIntent(tenant, agent, intentDigest), cancellationToken);
        if (id is null || await GetAsync(tenant, id, cancellationToken) is not { } existing
            || !string.Equals(existing.Agent, agent, StringComparison.Ordinal) || !string.Equals(existing.IntentDigest, intentDigest, StringComparison.Ordinal))
        {
            return null;
        }

        if ((policyDigest is not null && !_compatibility.IsCompatible(tenant, existing.PolicyDigest, policyDigest))
            || (obligation is not null && !ApprovalObligation.Of(existing).Covers(obligation)))
        {
            return null;
        }

        if (existing.Status == ApprovalStatus.Pending)
        {
            return existing;
        }

        var warrantGood = existing.Status == ApprovalStatus.Approved && existing.DecidedAt is { } approvedAt
            && approvedAt + TimeSpan.FromSeconds(existing.WarrantTtlSeconds) > _time.GetUtcNow()
            && !await IsRevokedAsync(tenant, id, cancellationToken)
            && !await _store.IsWarrantUsedAsync(tenant, id, cancellationToken);
        return warrantGood ? existing : null;
    }

    /// <summary>Marks <paramref name="opened"/> as its intent's approval, for as long as its own keys are kept.</summary>
    private ValueTask RememberIntentAsync(ApprovalRequest opened, CancellationToken cancellationToken) =>
        _state.SetAsync(StoreKeys.ApprovalIntent(opened.Tenant, opened.Agent, opened.IntentDigest), opened.Id, KeyLifetime(opened, _time.GetUtcNow()), cancellationToken);
}
