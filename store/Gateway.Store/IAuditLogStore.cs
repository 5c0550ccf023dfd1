namespace Gateway.Store;

/// <summary>
/// The state store's append-only logs with optimistic concurrency (the audit hash chain, its receipt batches) and the
/// hashes written in the same step. One of the three jobs of <see cref="IStateStore"/>.
/// </summary>
/// <remarks>
/// Every member either completes or throws <see cref="StateStoreUnavailableException"/>; callers treat that exception as
/// "fail closed". Keys are opaque strings built by the caller (see <see cref="StoreKeys"/>). An entry's array is the
/// store's once appended (the embedded store keeps it as the entry): the caller does not change it after the call.
/// </remarks>
public interface IAuditLogStore
{
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

    /// <summary>
    /// Like <see cref="TryAppendAsync(string, long, IReadOnlyList{byte[]}, string?, IReadOnlyList{KeyValuePair{string, byte[]}}, string, IReadOnlyList{byte[]}, CancellationToken)"/>
    /// (no hash when <paramref name="hashKey"/> is null, no companion log when <paramref name="companionLogKey"/> is null),
    /// and, only when the entries are appended, each of <paramref name="admissions"/> admitted in order after the append in
    /// the same atomic step (one script run on Redis, one journal record in the embedded store), each outcome exactly what
    /// <see cref="IAdmissionStore.AdmitAsync"/> alone would have answered. Not appended (another writer got there first):
    /// nothing is admitted and the outcomes are empty. An admission whose keys cannot share the log's Redis Cluster hash
    /// slot (another hash tag, a budget reserved apart) is admitted with <see cref="IAdmissionStore.AdmitAsync"/> right
    /// after the append succeeded (two calls for it). Each admission is validated as <see cref="IAdmissionStore.AdmitAsync"/>
    /// does, before anything is written. <paramref name="settles"/> are made in the same step too, only when appended and
    /// before the admissions, each as <see cref="IAdmissionStore.SettleAsync"/> would make it (one whose key cannot share
    /// the log's hash slot: settled alone right after the append). On Redis, no entries and companion entries alone: at
    /// <paramref name="expectedLength"/>, the companion entries appended (a group's receipt batches stored in a call of their
    /// own, <c>Gateway:Evidence:SignInFlight</c>).
    /// </summary>
    ValueTask<AppendAdmission> TryAppendAdmittingAsync(string logKey, long expectedLength, IReadOnlyList<byte[]> entries, string? hashKey, IReadOnlyList<KeyValuePair<string, byte[]>> fields, string? companionLogKey, IReadOnlyList<byte[]> companionEntries, IReadOnlyList<AdmissionRequest> admissions, IReadOnlyList<BudgetSettle> settles, CancellationToken cancellationToken = default);

    /// <summary>The value of <paramref name="field"/> in the hash <paramref name="hashKey"/>, or null when absent.</summary>
    ValueTask<string?> HashGetAsync(string hashKey, string field, CancellationToken cancellationToken = default);

    /// <summary>The number of fields in the hash <paramref name="hashKey"/> (0 when absent).</summary>
    ValueTask<long> HashLengthAsync(string hashKey, CancellationToken cancellationToken = default);

    /// <summary>Number of entries in the log.</summary>
    ValueTask<long> LogLengthAsync(string logKey, CancellationToken cancellationToken = default);

    /// <summary>Up to <paramref name="count"/> entries starting at zero-based <paramref name="start"/>, in order.</summary>
    ValueTask<IReadOnlyList<string>> ReadLogAsync(string logKey, long start, int count, CancellationToken cancellationToken = default);
}
