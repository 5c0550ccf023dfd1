using System.Text.Json;
using Gateway.Store;

namespace Gateway.Oversight.Approvals;

/// <summary>
/// Approvals as keys of an <see cref="IStateStore"/> (Redis or the embedded store): the request under
/// <c>StoreKeys.Approval</c> (<see cref="StoredApprovalJson"/>), the distinct approving persons in the set <c>StoreKeys.ApprovalVotes</c> and
/// the distinct minters of their tokens in <c>StoreKeys.ApprovalVotes(tenant, id + ":issuers")</c>, the one
/// outcome under <c>StoreKeys.Approval(tenant, id + ":outcome")</c> (set-if-absent), the decision's receipt in the request's own
/// JSON (a request opened before it was written there keeps it under <c>StoreKeys.Approval(tenant, id + ":receipt")</c>, still read), a per-tenant index log
/// under <c>StoreKeys.Approval(tenant, "index")</c>, and used warrants under <c>StoreKeys.Warrant</c> (set-if-absent).
/// </summary>
public sealed class StateStoreApprovalStore : IApprovalStore
{
    private const string OutcomeSuffix = ":outcome";
    private const string IssuersSuffix = ":issuers";
    private const string ReceiptSuffix = ":receipt";
    private const string IndexId = "index";
    private const int IndexAppendAttempts = 64;

    private readonly IStateStore _store;

    public StateStoreApprovalStore(IStateStore store) => _store = store ?? throw new ArgumentNullException(nameof(store));

    /// <inheritdoc/>
    public async ValueTask<bool> TryCreateAsync(ApprovalRequest request, TimeSpan lifetime, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var json = StoredApprovalJson.Write(request);
        if (!await _store.TrySetIfAbsentAsync(StoreKeys.Approval(request.Tenant, request.Id), json, lifetime, cancellationToken))
        {
            return false;
        }

        var key = StoreKeys.Approval(request.Tenant, IndexId);
        for (var attempt = 0; attempt < IndexAppendAttempts; attempt++)
        {
            var length = await _store.LogLengthAsync(key, cancellationToken);
            if (await _store.TryAppendAsync(key, length, request.Id, cancellationToken))
            {
                return true;
            }
        }

        throw new StateStoreUnavailableException("The approval index stayed contended; the request was not listed.");
    }

    /// <inheritdoc/>
    public async ValueTask<ApprovalRequest?> GetAsync(string tenant, string id, CancellationToken cancellationToken = default)
    {
        var values = await _store.GetManyAsync([StoreKeys.Approval(tenant, id), StoreKeys.Approval(tenant, id + ReceiptSuffix)], cancellationToken);
        return values[0] is { } json && StoredApprovalJson.Read(json) is { } stored ? stored with { Receipt = stored.Receipt ?? values[1] } : null;
    }

    /// <inheritdoc/>
    public async ValueTask<IReadOnlyList<string>> ListRecentAsync(string tenant, int window, CancellationToken cancellationToken = default)
    {
        var key = StoreKeys.Approval(tenant, IndexId);
        var length = await _store.LogLengthAsync(key, cancellationToken);
        return await _store.ReadLogAsync(key, Math.Max(0, length - window), window, cancellationToken);
    }

    /// <inheritdoc/>
    public async ValueTask<ApprovalTally> AddVoteAsync(string tenant, string id, string person, string issuedBy, TimeSpan lifetime, CancellationToken cancellationToken = default)
    {
        var votesKey = StoreKeys.ApprovalVotes(tenant, id);
        await _store.SetAddAsync(votesKey, person, lifetime, cancellationToken);
        var issuers = await _store.SetAddAsync(StoreKeys.ApprovalVotes(tenant, id + IssuersSuffix), issuedBy, lifetime, cancellationToken);
        // Re-read the persons after adding the minter: whoever adds the last minter sees every person added before it.
        var persons = await _store.SetMembersAsync(votesKey, cancellationToken);
        return new ApprovalTally(persons, (int)issuers);
    }

    /// <inheritdoc/>
    public ValueTask<IReadOnlyList<string>> GetVotersAsync(string tenant, string id, CancellationToken cancellationToken = default) =>
        _store.SetMembersAsync(StoreKeys.ApprovalVotes(tenant, id), cancellationToken);

    /// <inheritdoc/>
    public async ValueTask<ApprovalOutcomeDocument?> GetOutcomeAsync(string tenant, string id, CancellationToken cancellationToken = default)
    {
        var json = await _store.GetAsync(StoreKeys.Approval(tenant, id + OutcomeSuffix), cancellationToken);
        return json is null ? null : JsonSerializer.Deserialize(json, OversightJsonContext.Default.ApprovalOutcomeDocument);
    }

    /// <inheritdoc/>
    public ValueTask<bool> TrySettleAsync(string tenant, string id, ApprovalOutcomeDocument outcome, TimeSpan lifetime, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        var json = JsonSerializer.Serialize(outcome, OversightJsonContext.Default.ApprovalOutcomeDocument);
        return _store.TrySetIfAbsentAsync(StoreKeys.Approval(tenant, id + OutcomeSuffix), json, lifetime, cancellationToken);
    }

    /// <inheritdoc/>
    public ValueTask<bool> TryUseWarrantAsync(string tenant, string approvalId, TimeSpan lifetime, CancellationToken cancellationToken = default) =>
        _store.TrySetIfAbsentAsync(StoreKeys.Warrant(tenant, approvalId), "used", lifetime, cancellationToken);

    /// <inheritdoc/>
    public async ValueTask<bool> IsWarrantUsedAsync(string tenant, string approvalId, CancellationToken cancellationToken = default) =>
        await _store.GetAsync(StoreKeys.Warrant(tenant, approvalId), cancellationToken) is not null;
}
