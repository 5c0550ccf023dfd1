namespace Gateway.Store;

/// <summary>
/// What the gateway's hot path keeps outside the process: nonces, counters, limits, budgets,
/// cached values, small sets and append-only logs. Two implementations pass one contract suite:
/// <see cref="InMemoryStateStore"/> (the embedded default, one instance) and
/// <c>RedisStateStore</c> (production, shared by every replica).
/// </summary>
/// <remarks>
/// Every member either completes or throws <see cref="StateStoreUnavailableException"/>; callers
/// treat that exception as "fail closed" (HTTP 503, nothing forwarded). Keys are opaque strings
/// built by the caller; tenant scoping is the caller's job (see <see cref="StoreKeys"/>).
/// </remarks>
public interface IStateStore
{
    /// <summary>Atomically stores <paramref name="key"/> only when absent. True when this call stored it.</summary>
    ValueTask<bool> TrySetIfAbsentAsync(string key, string value, TimeSpan expiry, CancellationToken cancellationToken = default);

    /// <summary>Returns the value, or null when absent or expired.</summary>
    ValueTask<string?> GetAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>
    /// The values of <paramref name="keys"/>, in order (null where absent or expired), read in one step (one round
    /// trip on Redis: the keys must share a Redis Cluster hash slot, the same <c>{tenant}</c> tag).
    /// </summary>
    ValueTask<IReadOnlyList<string?>> GetManyAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken = default);

    /// <summary>Stores the value, replacing any previous one; <paramref name="expiry"/> null keeps it forever.</summary>
    ValueTask SetAsync(string key, string value, TimeSpan? expiry, CancellationToken cancellationToken = default);

    /// <summary>Removes the key. True when it existed (so a single-use value is consumed exactly once).</summary>
    ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>
    /// Atomically reads and removes the key: the value when this call consumed it, null when it was
    /// absent. Two concurrent callers never both receive the value.
    /// </summary>
    ValueTask<string?> TakeAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>
    /// Atomically adds <paramref name="delta"/> (may be negative) and returns the new value. The
    /// expiry is set only when the counter is created by this call.
    /// </summary>
    ValueTask<long> IncrementAsync(string key, long delta, TimeSpan? expiry, CancellationToken cancellationToken = default);

    /// <summary>
    /// Reserves <paramref name="amount"/> from a budget of <paramref name="limit"/> per
    /// <paramref name="window"/>, atomically: either the whole amount is reserved or nothing is.
    /// </summary>
    ValueTask<BudgetOutcome> TryReserveAsync(string key, long amount, long limit, TimeSpan window, CancellationToken cancellationToken = default);

    /// <summary>
    /// Settles a reservation against actual use: adds <c>actual - reserved</c> to the budget's
    /// current window (a refund when negative), never below zero.
    /// </summary>
    ValueTask<long> SettleAsync(string key, long reserved, long actual, TimeSpan window, CancellationToken cancellationToken = default);

    /// <summary>
    /// Settles counters an admission reserved in (<see cref="AdmissionRequest.Counters"/>) against actual use, in one step
    /// (one round trip on Redis: the keys must share a Redis Cluster hash slot): each existing counter gets its delta,
    /// never below zero, keeping its expiry; a counter that has expired stays absent. Returns each counter's value
    /// afterwards, in order (null where absent).
    /// </summary>
    ValueTask<IReadOnlyList<long?>> AdjustCountersAsync(IReadOnlyList<CounterAdjustment> adjustments, CancellationToken cancellationToken = default);

    /// <summary>Adds a member to a set and returns the set's size afterwards (distinct approvers, say).</summary>
    ValueTask<long> SetAddAsync(string key, string member, TimeSpan? expiry, CancellationToken cancellationToken = default);

    /// <summary>The members of a set (empty when absent).</summary>
    ValueTask<IReadOnlyList<string>> SetMembersAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>
    /// Appends <paramref name="entry"/> to the log only when it currently holds exactly
    /// <paramref name="expectedLength"/> entries (optimistic concurrency for hash chains).
    /// True when appended; false when another writer got there first.
    /// </summary>
    ValueTask<bool> TryAppendAsync(string logKey, long expectedLength, string entry, CancellationToken cancellationToken = default);

    /// <summary>
    /// Appends every one of <paramref name="entries"/> (at least one, each UTF-8 text), in order, in one atomic step,
    /// only when the log currently holds exactly <paramref name="expectedLength"/> entries: all or none.
    /// </summary>
    ValueTask<bool> TryAppendAsync(string logKey, long expectedLength, IReadOnlyList<byte[]> entries, CancellationToken cancellationToken = default);

    /// <summary>
    /// Like <see cref="TryAppendAsync(string, long, IReadOnlyList{byte[]}, CancellationToken)"/>, and in the same atomic
    /// step, only when the entries are appended: sets each of <paramref name="fields"/> in the hash
    /// <paramref name="hashKey"/> only where that field is absent (<c>HSETNX</c>; a present field keeps its value).
    /// The log and the hash must share a Redis Cluster hash slot (the same <c>{tenant}</c> tag, <see cref="StoreKeys"/>).
    /// </summary>
    ValueTask<bool> TryAppendAsync(string logKey, long expectedLength, IReadOnlyList<byte[]> entries, string hashKey, IReadOnlyList<KeyValuePair<string, byte[]>> fields, CancellationToken cancellationToken = default);

    /// <summary>
    /// Like <see cref="TryAppendAsync(string, long, IReadOnlyList{byte[]}, string, IReadOnlyList{KeyValuePair{string, byte[]}}, CancellationToken)"/>
    /// (no hash when <paramref name="hashKey"/> is null), and in the same atomic step, only when the entries are
    /// appended: appends every one of <paramref name="companionEntries"/> to the log <paramref name="companionLogKey"/>
    /// (whatever its length; read it with <see cref="ReadLogAsync"/>), an audit group's receipt batches beside its lines.
    /// All keys must share a Redis Cluster hash slot.
    /// </summary>
    ValueTask<bool> TryAppendAsync(string logKey, long expectedLength, IReadOnlyList<byte[]> entries, string? hashKey, IReadOnlyList<KeyValuePair<string, byte[]>> fields, string companionLogKey, IReadOnlyList<byte[]> companionEntries, CancellationToken cancellationToken = default);

    /// <summary>The value of <paramref name="field"/> in the hash <paramref name="hashKey"/>, or null when absent.</summary>
    ValueTask<string?> HashGetAsync(string hashKey, string field, CancellationToken cancellationToken = default);

    /// <summary>The number of fields in the hash <paramref name="hashKey"/> (0 when absent).</summary>
    ValueTask<long> HashLengthAsync(string hashKey, CancellationToken cancellationToken = default);

    /// <summary>Number of entries in the log.</summary>
    ValueTask<long> LogLengthAsync(string logKey, CancellationToken cancellationToken = default);

    /// <summary>Up to <paramref name="count"/> entries starting at zero-based <paramref name="start"/>, in order.</summary>
    ValueTask<IReadOnlyList<string>> ReadLogAsync(string logKey, long start, int count, CancellationToken cancellationToken = default);

    /// <summary>
    /// Admits a request in one atomic step (one script round trip on Redis, one step under the lock in
    /// the embedded store): stores the nonce only when absent,
    /// reads the kill switches, and, only when the nonce was fresh, acquires every rate-limit window
    /// all-or-nothing, then reserves in every counter all-or-nothing, then the budget and the decision token's record
    /// (see <see cref="AdmissionRequest"/>). A replay counts nothing.
    /// </summary>
    ValueTask<AdmissionOutcome> AdmitAsync(AdmissionRequest request, CancellationToken cancellationToken = default);

    /// <summary>Throws <see cref="StateStoreUnavailableException"/> when the store cannot serve.</summary>
    ValueTask PingAsync(CancellationToken cancellationToken = default);
}
