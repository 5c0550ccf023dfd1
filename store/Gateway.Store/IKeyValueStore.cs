namespace Gateway.Store;

/// <summary>
/// The state store's keys: values with an expiry (nonces, cached values, single-use warrants), counters and small sets
/// (distinct approvers, say). One of the three jobs of <see cref="IStateStore"/>.
/// </summary>
/// <remarks>
/// Every member either completes or throws <see cref="StateStoreUnavailableException"/>; callers treat that exception as
/// "fail closed". Keys are opaque strings built by the caller (see <see cref="StoreKeys"/>).
/// </remarks>
public interface IKeyValueStore
{
    /// <summary>Atomically stores <paramref name="key"/> only when absent (null expiry: kept until deleted). True when this call stored it.</summary>
    ValueTask<bool> TrySetIfAbsentAsync(string key, string value, TimeSpan? expiry, CancellationToken cancellationToken = default);

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
    /// Atomically replaces the value of <paramref name="key"/> with <paramref name="value"/> only while it is exactly
    /// <paramref name="expected"/> (a compare-and-set: a write that must not undo a change made since the value was read,
    /// a removal included); <paramref name="expiry"/> as in <see cref="SetAsync"/>. True when this call replaced it.
    /// </summary>
    ValueTask<bool> ReplaceIfEqualAsync(string key, string expected, string value, TimeSpan? expiry, CancellationToken cancellationToken = default);

    /// <summary>
    /// Atomically removes <paramref name="key"/> only while its value is exactly <paramref name="expected"/> (a lease
    /// released by its owner only, never by one whose lease expired and was taken since). True when this call removed it.
    /// </summary>
    ValueTask<bool> DeleteIfEqualAsync(string key, string expected, CancellationToken cancellationToken = default);

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
    /// Adds a member to a set and returns the set's size afterwards (distinct approvers, say). The set then lives at least
    /// <paramref name="expiry"/> (null: until deleted): a later add's longer expiry extends it, a shorter one never shortens
    /// it, so an index of things added over time outlives the latest of them, not the first.
    /// </summary>
    ValueTask<long> SetAddAsync(string key, string member, TimeSpan? expiry, CancellationToken cancellationToken = default);

    /// <summary>The members of a set (empty when absent).</summary>
    ValueTask<IReadOnlyList<string>> SetMembersAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>
    /// Removes a member from a set, keeping the set's expiry; a set left empty is gone. True when it was a member (an
    /// index of things kept elsewhere drops one that ended, see <see cref="StoreIndex"/>).
    /// </summary>
    ValueTask<bool> SetRemoveAsync(string key, string member, CancellationToken cancellationToken = default);
}
