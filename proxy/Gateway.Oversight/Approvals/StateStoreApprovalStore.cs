using System.Globalization;
using System.Text.Json;
using Gateway.Store;

namespace Gateway.Oversight.Approvals;

/// <summary>
/// Approvals as keys of an <see cref="IStateStore"/> (Redis or the embedded store): the request under
/// <c>StoreKeys.Approval</c> (<see cref="StoredApprovalJson"/>), each vote as a (person, minter) pair in the set
/// <c>StoreKeys.ApprovalVotes(tenant, id + ":pairs")</c> and with the credential it was cast with in
/// <c>StoreKeys.ApprovalVotes(tenant, id + ":credentials")</c> (a pair without one was cast before credentials were kept), the distinct approving persons in the set <c>StoreKeys.ApprovalVotes</c> and
/// the distinct minters of their tokens in <c>StoreKeys.ApprovalVotes(tenant, id + ":issuers")</c> (all that a request opened
/// before votes were paired has), the one
/// outcome under <c>StoreKeys.Approval(tenant, id + ":outcome")</c> (set-if-absent), the decision's receipt in the request's own
/// JSON (a request opened before it was written there keeps it under <c>StoreKeys.Approval(tenant, id + ":receipt")</c>, still read), a per-tenant
/// index of the newest requests, used warrants under <c>StoreKeys.Warrant</c> (set-if-absent; <c>used</c> by a redemption,
/// <c>voided</c> by a revocation).
/// </summary>
/// <remarks>
/// The index is a ring of <see cref="IndexSize"/> slots (<c>StoreKeys.Approval(tenant, "index:" + n % size)</c>, each the
/// request's position and id, kept as long as the request) numbered by the counter <c>StoreKeys.Approval(tenant, "index:next")</c>:
/// it never holds more than that many ids, nor any id past its request's lifetime. The unbounded log
/// <c>StoreKeys.Approval(tenant, "index")</c> it replaced is still read (no longer written), for the requests replicas not
/// yet upgraded list there; once none are left it can be deleted.
/// </remarks>
public sealed class StateStoreApprovalStore : IApprovalStore
{
    private const string OutcomeSuffix = ":outcome";
    private const string IssuersSuffix = ":issuers";
    private const string PairsSuffix = ":pairs";
    private const string CredentialsSuffix = ":credentials";
    private const string ReceiptSuffix = ":receipt";
    private const string LegacyIndexId = "index";
    private const string IndexSlotPrefix = "index:";
    private const string IndexCounterId = "index:next";

    /// <summary>The value of a warrant's use taken by a revocation (a redemption's is <c>used</c>).</summary>
    private const string VoidedUse = "voided";

    /// <summary>The slots of a tenant's index: the largest list window there is (<c>Gateway:Approvals:ListWindow</c>).</summary>
    public const int IndexSize = 10_000;

    private readonly IStateStore _store;
    private readonly int _indexSize;

    public StateStoreApprovalStore(IStateStore store)
        : this(store, IndexSize)
    {
    }

    /// <summary>A store whose index holds <paramref name="indexSize"/> slots (tests).</summary>
    internal StateStoreApprovalStore(IStateStore store, int indexSize)
    {
        _store = store ?? throw new ArgumentNullException(nameof(store));
        ArgumentOutOfRangeException.ThrowIfLessThan(indexSize, 1);
        _indexSize = indexSize;
    }

    /// <inheritdoc/>
    public async ValueTask<bool> TryCreateAsync(ApprovalRequest request, TimeSpan lifetime, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var json = StoredApprovalJson.Write(request);
        if (!await _store.TrySetIfAbsentAsync(StoreKeys.Approval(request.Tenant, request.Id), json, lifetime, cancellationToken))
        {
            return false;
        }

        var position = await _store.IncrementAsync(StoreKeys.Approval(request.Tenant, IndexCounterId), 1, expiry: null, cancellationToken);
        await _store.SetAsync(IndexSlot(request.Tenant, position), IndexEntry(position, request.Id), lifetime, cancellationToken);
        return true;
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
        window = Math.Max(0, window);
        var last = long.TryParse(await _store.GetAsync(StoreKeys.Approval(tenant, IndexCounterId), cancellationToken), out var counted) ? counted : 0;
        var first = Math.Max(1, last - Math.Min(window, _indexSize) + 1);
        var slots = new List<string>();
        for (var position = first; position <= last; position++)
        {
            slots.Add(IndexSlot(tenant, position));
        }

        var entries = slots.Count == 0 ? [] : await _store.GetManyAsync(slots, cancellationToken);
        var ids = new List<string>(entries.Count);
        for (var i = 0; i < entries.Count; i++)
        {
            // A slot a later request has taken since, or one that expired, lists nothing here.
            if (entries[i] is { } entry && IndexEntry(first + i, string.Empty) is var position && entry.StartsWith(position, StringComparison.Ordinal))
            {
                ids.Add(entry[position.Length..]);
            }
        }

        var legacyKey = StoreKeys.Approval(tenant, LegacyIndexId);
        var legacyLength = await _store.LogLengthAsync(legacyKey, cancellationToken);
        if (legacyLength == 0)
        {
            return ids;
        }

        var legacy = await _store.ReadLogAsync(legacyKey, Math.Max(0, legacyLength - window), window, cancellationToken);
        return [.. legacy.Concat(ids).Distinct(StringComparer.Ordinal).TakeLast(window)];
    }

    /// <inheritdoc/>
    public async ValueTask<ApprovalTally> AddVoteAsync(string tenant, string id, ApprovalVoter voter, TimeSpan lifetime, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(voter);
        var votesKey = StoreKeys.ApprovalVotes(tenant, id);
        var pairsKey = StoreKeys.ApprovalVotes(tenant, id + PairsSuffix);
        var credentialsKey = StoreKeys.ApprovalVotes(tenant, id + CredentialsSuffix);
        // The credential first, then the pair: a pair without one was cast before credentials were kept (or on a replica not yet
        // upgraded), and a person in the persons set without a pair only ever voted on a replica that did not pair votes.
        await _store.SetAddAsync(credentialsKey, WithCredential(voter), lifetime, cancellationToken);
        await _store.SetAddAsync(pairsKey, Pair(voter.Person, voter.IssuedBy), lifetime, cancellationToken);
        await _store.SetAddAsync(votesKey, voter.Person, lifetime, cancellationToken);
        var issuers = await _store.SetAddAsync(StoreKeys.ApprovalVotes(tenant, id + IssuersSuffix), voter.IssuedBy, lifetime, cancellationToken);
        // Re-read after adding: whoever adds the last vote sees every vote added before it.
        var persons = await _store.SetMembersAsync(votesKey, cancellationToken);
        var pairs = (await _store.SetMembersAsync(pairsKey, cancellationToken)).Select(Unpair).OfType<ApprovalVoter>();
        var withCredentials = (await _store.SetMembersAsync(credentialsKey, cancellationToken)).Select(UnpairWithCredential).OfType<ApprovalVoter>().ToList();
        var votes = withCredentials.Select(static v => v.Credential is "" ? v with { Credential = null } : v)
            .Concat(pairs.Where(p => !withCredentials.Any(v => v.Person == p.Person && v.IssuedBy == p.IssuedBy)))
            .Distinct();
        return new ApprovalTally(persons, (int)issuers) { Votes = [.. votes] };
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

    /// <inheritdoc/>
    public ValueTask<bool> TryVoidWarrantAsync(string tenant, string approvalId, TimeSpan lifetime, CancellationToken cancellationToken = default) =>
        _store.TrySetIfAbsentAsync(StoreKeys.Warrant(tenant, approvalId), VoidedUse, lifetime, cancellationToken);

    /// <inheritdoc/>
    public async ValueTask<WarrantUse> GetWarrantUseAsync(string tenant, string approvalId, CancellationToken cancellationToken = default) =>
        await _store.GetAsync(StoreKeys.Warrant(tenant, approvalId), cancellationToken) switch
        {
            null => WarrantUse.None,
            VoidedUse => WarrantUse.Voided,
            _ => WarrantUse.Redeemed,
        };

    private string IndexSlot(string tenant, long position) =>
        StoreKeys.Approval(tenant, IndexSlotPrefix + (position % _indexSize).ToString(CultureInfo.InvariantCulture));

    private static string IndexEntry(long position, string id) => position.ToString(CultureInfo.InvariantCulture) + " " + id;

    // A vote as one set member: the person's length, a colon, the person, then the minter (either may hold any character).
    private static string Pair(string person, string issuedBy) =>
        person.Length.ToString(CultureInfo.InvariantCulture) + ":" + person + issuedBy;

    private static ApprovalVoter? Unpair(string member)
    {
        var colon = member.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 && int.TryParse(member.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out var length) && length <= member.Length - colon - 1
            ? new ApprovalVoter(member.Substring(colon + 1, length), member[(colon + 1 + length)..])
            : null;
    }

    // A vote with its credential as one set member: the pair of the person and the minter's length-prefixed name, then the
    // credential (empty: the vote has none).
    private static string WithCredential(ApprovalVoter voter) => Pair(voter.Person, Pair(voter.IssuedBy, voter.Credential ?? string.Empty));

    private static ApprovalVoter? UnpairWithCredential(string member) =>
        Unpair(member) is { } outer && Unpair(outer.IssuedBy) is { } inner ? new ApprovalVoter(outer.Person, inner.Person) { Credential = inner.IssuedBy } : null;
}
