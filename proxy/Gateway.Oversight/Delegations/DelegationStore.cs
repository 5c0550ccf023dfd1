using System.Text.Json;
using Gateway.Oversight.Credentials;
using Gateway.Policy;
using Gateway.Store;

namespace Gateway.Oversight.Delegations;

/// <summary>
/// Delegated children in the shared store, so that every replica sees an issue or a revocation on its next request (no
/// cache): each child's record under <c>StoreKeys.Delegation</c>, expiring with the child; the children each parent issued,
/// by UTC day (<c>StoreKeys.DelegationChildren</c>, kept two days: a child lives at most 24 h), to list and revoke a
/// subtree; and each registered agent's delegation generation, raised to revoke everything it ever delegated. A child is
/// live only while its own record, every ancestor's record and its agent's generation are as they were at issue
/// (<see cref="FindLiveAsync(string, string, CancellationToken)"/>): revoking a child removes its subtree at once, even a grandchild not yet found.
/// </summary>
public sealed class DelegationStore
{
    private static readonly TimeSpan IndexLifetime = TimeSpan.FromDays(2);

    private readonly IStateStore _store;
    private readonly TimeProvider _time;

    public DelegationStore(IStateStore store, TimeProvider time)
    {
        _store = store;
        _time = time;
    }

    /// <summary>
    /// Raised after a revocation made through this process, with the tenant and what was revoked: a child (with its
    /// subtree), or a registered agent whose every delegation was. What listens (the MCP sessions told their tools changed)
    /// acts at once here; other replicas refuse the children at their next request.
    /// </summary>
    public event Action<string, string>? Revoked;

    /// <summary>The registered agent's delegation generation now (0 when never raised).</summary>
    public async ValueTask<long> GenerationAsync(string tenant, string agent, CancellationToken cancellationToken = default) =>
        Generation(await _store.GetAsync(StoreKeys.DelegationGeneration(tenant, agent), cancellationToken).ConfigureAwait(false));

    /// <summary>Stores a new child until it expires and lists it under its parent.</summary>
    public async ValueTask CreateAsync(DelegationRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        var ttl = record.ExpiresAt - _time.GetUtcNow();
        if (ttl <= TimeSpan.Zero)
        {
            throw new ArgumentException("The delegation has already expired.", nameof(record));
        }

        await _store.SetAsync(StoreKeys.Delegation(record.Tenant, record.Id), JsonSerializer.Serialize(record, OversightJsonContext.Default.DelegationRecord), ttl, cancellationToken).ConfigureAwait(false);
        await _store.SetAddAsync(StoreKeys.DelegationChildren(record.Tenant, record.Parent, Day(record.CreatedAt)), record.Id, IndexLifetime, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The child's record while it is stored (not expired, not revoked itself); its ancestors are not checked.</summary>
    public async ValueTask<DelegationRecord?> FindAsync(string tenant, string child, CancellationToken cancellationToken = default) =>
        Parse(await _store.GetAsync(StoreKeys.Delegation(tenant, child), cancellationToken).ConfigureAwait(false));

    /// <summary>
    /// The child's record when it is live: stored, every ancestor child still stored and its registered agent's delegation
    /// generation unchanged since issue. Null otherwise (expired, revoked, or a parent revoked). Store failure throws.
    /// </summary>
    public ValueTask<DelegationRecord?> FindLiveAsync(string tenant, string child, CancellationToken cancellationToken = default) =>
        FindLiveAsync(tenant, child, within: null, cancellationToken);

    /// <summary>
    /// As <see cref="FindLiveAsync(string, string, CancellationToken)"/>, and, given the tenant's delegation settings in
    /// force (<paramref name="within"/>), the child and every child above it still within them (<see cref="IsWithin"/>):
    /// settings tightened after issue bind the children already issued.
    /// </summary>
    public async ValueTask<DelegationRecord?> FindLiveAsync(string tenant, string child, DelegationSettings? within, CancellationToken cancellationToken = default)
    {
        if (await FindAsync(tenant, child, cancellationToken).ConfigureAwait(false) is not { } record || record.Tenant != tenant)
        {
            return null;
        }

        var values = await _store.GetManyAsync(LivenessKeys(tenant, record.Agent, record.AncestorDelegates), cancellationToken).ConfigureAwait(false);
        if (!IsLive(values, record.Generation))
        {
            return null;
        }

        if (within is not null)
        {
            var now = _time.GetUtcNow();
            if (!IsWithin(record, within, now) || values.Skip(1).Any(v => Parse(v) is not { } ancestor || !IsWithin(ancestor, within, now)))
            {
                return null;
            }
        }

        return record;
    }

    /// <summary>
    /// True when <paramref name="record"/> is within the tenant's delegation <paramref name="settings"/> as they are now: no
    /// deeper than <see cref="DelegationSettings.MaxDepth"/> (none is, at 0) and younger than <see cref="DelegationSettings.MaxTtl"/>
    /// at <paramref name="now"/>.
    /// </summary>
    public static bool IsWithin(DelegationRecord record, DelegationSettings settings, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(settings);
        return record.Depth <= settings.MaxDepth && now < record.CreatedAt + settings.MaxTtl;
    }

    /// <summary>
    /// The keys whose values say whether delegated children are live, read together in one store call: the registered
    /// <paramref name="agent"/>'s delegation generation, then the record of each child in <paramref name="delegates"/>.
    /// </summary>
    public static IReadOnlyList<string> LivenessKeys(string tenant, string agent, IEnumerable<string> delegates)
    {
        ArgumentNullException.ThrowIfNull(delegates);
        return [StoreKeys.DelegationGeneration(tenant, agent), .. delegates.Select(id => StoreKeys.Delegation(tenant, id))];
    }

    /// <summary>
    /// True when the values of <see cref="LivenessKeys"/> say the children are live: the agent's delegation generation is
    /// still <paramref name="issuedGeneration"/> (the one they were issued under) and every child's record is still stored.
    /// </summary>
    public static bool IsLive(IReadOnlyList<string?> values, long issuedGeneration)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (Generation(values[0]) != issuedGeneration)
        {
            return false;
        }

        for (var i = 1; i < values.Count; i++)
        {
            if (values[i] is null)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// True when the values of <see cref="LivenessKeys"/>, asked for every child of an actor chain (the last one the child
    /// that acted), say the chain is live: its last child's record stored, issued under the generation now current, and
    /// every child above it stored. What a decision token naming the chain is checked against.
    /// </summary>
    public static bool IsChainLive(IReadOnlyList<string?> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        return values.Count > 1 && Parse(values[^1]) is { } acting && IsLive(values, acting.Generation);
    }

    /// <summary>The live children <paramref name="parent"/> issued and theirs, depth first, each after its parent.</summary>
    public async ValueTask<IReadOnlyList<DelegationRecord>> SubtreeAsync(string tenant, string parent, CancellationToken cancellationToken = default)
    {
        var found = new List<DelegationRecord>();
        await CollectAsync(tenant, parent, found, cancellationToken).ConfigureAwait(false);
        return found;
    }

    /// <summary>
    /// After a data-key rotation: seals again under the active key the secret of every live child the tenant's registered
    /// <paramref name="agents"/> issued and theirs, each record replaced by compare-and-set (a revocation made meanwhile stays).
    /// </summary>
    public async ValueTask ResealSecretsAsync(string tenant, IEnumerable<string> agents, SealedKindTally tally, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(agents);
        ArgumentNullException.ThrowIfNull(tally);
        var found = new List<DelegationRecord>();
        foreach (var agent in agents)
        {
            await CollectAsync(tenant, agent, found, cancellationToken).ConfigureAwait(false);
        }

        foreach (var child in found)
        {
            var key = StoreKeys.Delegation(tenant, child.Id);
            if (await _store.GetAsync(key, cancellationToken).ConfigureAwait(false) is not { } stored || Parse(stored) is not { SecretEnvelope: { } envelope } record
                || !tally.NeedsResealing(envelope) || tally.Reseal(envelope, DelegationSecrets.Context(tenant, record.Id)) is not { } resealed)
            {
                continue;
            }

            var ttl = record.ExpiresAt - _time.GetUtcNow();
            var replaced = ttl > TimeSpan.Zero && await _store.ReplaceIfEqualAsync(key, stored,
                JsonSerializer.Serialize(record with { SecretEnvelope = resealed }, OversightJsonContext.Default.DelegationRecord), ttl, cancellationToken).ConfigureAwait(false);
            tally.Written(replaced);
        }
    }

    /// <summary>
    /// Revokes <paramref name="child"/> and its subtree on every replica: their records are removed (a grandchild not
    /// listed is refused all the same, its ancestor being gone). Returns the children revoked (empty when none was live).
    /// </summary>
    public async ValueTask<IReadOnlyList<DelegationRecord>> RevokeAsync(string tenant, string child, CancellationToken cancellationToken = default)
    {
        if (await FindAsync(tenant, child, cancellationToken).ConfigureAwait(false) is not { } record)
        {
            return [];
        }

        var revoked = await RemoveSubtreeAsync(tenant, child, [record], cancellationToken).ConfigureAwait(false);
        Revoked?.Invoke(tenant, child);
        return revoked;
    }

    /// <summary>
    /// Revokes everything <paramref name="agent"/> (a registered agent) ever delegated, on every replica: its delegation
    /// generation is raised first (every child issued before is refused from then on), then the children found are removed.
    /// </summary>
    public async ValueTask<IReadOnlyList<DelegationRecord>> RevokeAllAsync(string tenant, string agent, CancellationToken cancellationToken = default)
    {
        await _store.IncrementAsync(StoreKeys.DelegationGeneration(tenant, agent), 1, expiry: null, cancellationToken).ConfigureAwait(false);
        var revoked = await RemoveSubtreeAsync(tenant, agent, [], cancellationToken).ConfigureAwait(false);
        Revoked?.Invoke(tenant, agent);
        return revoked;
    }

    // Finds the subtree below parent (after the records already in revoked) and removes every record in it.
    private async ValueTask<IReadOnlyList<DelegationRecord>> RemoveSubtreeAsync(string tenant, string parent, List<DelegationRecord> revoked, CancellationToken cancellationToken)
    {
        await CollectAsync(tenant, parent, revoked, cancellationToken).ConfigureAwait(false);
        foreach (var each in revoked)
        {
            await _store.DeleteAsync(StoreKeys.Delegation(tenant, each.Id), cancellationToken).ConfigureAwait(false);
        }

        return revoked;
    }

    private async ValueTask CollectAsync(string tenant, string parent, List<DelegationRecord> found, CancellationToken cancellationToken)
    {
        var today = Day(_time.GetUtcNow());
        var ids = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var day in new[] { today - 1, today })
        {
            ids.UnionWith(await _store.SetMembersAsync(StoreKeys.DelegationChildren(tenant, parent, day), cancellationToken).ConfigureAwait(false));
        }

        if (ids.Count == 0)
        {
            return;
        }

        var values = await _store.GetManyAsync([.. ids.Select(id => StoreKeys.Delegation(tenant, id))], cancellationToken).ConfigureAwait(false);
        foreach (var value in values)
        {
            if (Parse(value) is { } child && !found.Exists(r => r.Id == child.Id))
            {
                found.Add(child);
                await CollectAsync(tenant, child.Id, found, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    internal static DelegationRecord? Parse(string? json) =>
        json is null ? null : JsonSerializer.Deserialize(json, OversightJsonContext.Default.DelegationRecord);

    private static long Generation(string? value) =>
        value is null ? 0 : long.Parse(value, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture);

    private static long Day(DateTimeOffset instant) => instant.ToUnixTimeSeconds() / 86_400;
}
