namespace Gateway.Store;

/// <summary>
/// The state store's admission of a request in one atomic step (nonce, kill switches, rate-limit windows, counters,
/// budget, decision-token record) and the settling of what it reserved. One of the three jobs of <see cref="IStateStore"/>.
/// </summary>
/// <remarks>
/// Every member either completes or throws <see cref="StateStoreUnavailableException"/>; callers treat that exception as
/// "fail closed". Keys are opaque strings built by the caller (see <see cref="StoreKeys"/>).
/// </remarks>
public interface IAdmissionStore
{
    /// <summary>
    /// Reserves <paramref name="amount"/> from a budget of <paramref name="limit"/> per
    /// <paramref name="window"/>, atomically: either the whole amount is reserved or nothing is. An amount that is
    /// negative or above <see cref="AdmissionRequest.MaxAmount"/> throws <see cref="ArgumentOutOfRangeException"/>.
    /// </summary>
    ValueTask<BudgetOutcome> TryReserveAsync(string key, long amount, long limit, TimeSpan window, CancellationToken cancellationToken = default);

    /// <summary>
    /// Settles a reservation made in window slot <paramref name="slot"/> (<see cref="BudgetOutcome.Slot"/>) against actual
    /// use: adds <c>actual - reserved</c> to that slot (a refund when negative), never below zero, only while it is still
    /// the window's current slot on the store's clock, checked in the same atomic step. A settle that arrives once that slot
    /// has ended changes nothing (no refund, no charge to a later slot) and returns -1; otherwise the slot's used amount.
    /// </summary>
    ValueTask<long> SettleAsync(string key, long reserved, long actual, TimeSpan window, long slot, CancellationToken cancellationToken = default);

    /// <summary>
    /// Settles counters an admission reserved in (<see cref="AdmissionRequest.Counters"/>) against actual use, in one step
    /// (one round trip on Redis: the keys must share a Redis Cluster hash slot): each existing counter gets its delta,
    /// never below zero, keeping its expiry; a counter that has expired stays absent. Returns each counter's value
    /// afterwards, in order (null where absent).
    /// </summary>
    ValueTask<IReadOnlyList<long?>> AdjustCountersAsync(IReadOnlyList<CounterAdjustment> adjustments, CancellationToken cancellationToken = default);

    /// <summary>
    /// Admits a request in one atomic step (one script round trip on Redis, one step under the lock in
    /// the embedded store): stores the nonce only when absent,
    /// reads the kill switches, and, only when the nonce was fresh, acquires every rate-limit window
    /// all-or-nothing, then reserves in every counter all-or-nothing, then the budget and the decision token's record
    /// (see <see cref="AdmissionRequest"/>). A replay counts nothing.
    /// </summary>
    ValueTask<AdmissionOutcome> AdmitAsync(AdmissionRequest request, CancellationToken cancellationToken = default);

    /// <summary>
    /// Uses up a decision token's record outside an admission (an executor's verification that consumes): sets it from
    /// <see cref="TokenRecording.Issued"/> to <see cref="TokenRecording.Used"/>, keeping its expiry, in one atomic step,
    /// exactly as an admission's <see cref="TokenRecording.ConsumeKey"/> does, so that of both ways one use only succeeds.
    /// With <paramref name="unchanged"/> (keys and the values the caller read there, null for absent: its revocation
    /// marks), only while each key still holds that value, checked in the same step (one script on Redis: the keys must
    /// share the record's hash slot); otherwise nothing changes and it returns <see cref="TokenConsumption.Changed"/>.
    /// </summary>
    ValueTask<TokenConsumption> ConsumeTokenAsync(string recordKey, IReadOnlyList<KeyValuePair<string, string?>>? unchanged = null, CancellationToken cancellationToken = default);
}
