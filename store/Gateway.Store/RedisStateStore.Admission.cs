using System.Collections.Concurrent;
using StackExchange.Redis;

namespace Gateway.Store;

// The Redis store's admissions (IAdmissionStore): one script run per admission or per batch of a hash tag's admissions.
public sealed partial class RedisStateStore
{
    /// <remarks>
    /// With <see cref="RedisStoreOptions.BatchAdmissions"/> the request may share its script run with
    /// others of its nonce key's hash tag (its tenant) that arrived while the previous admission call
    /// of that tag and shard was in flight (<see cref="RedisGroupCommit{TRequest, TOutcome}"/>; the shard of its nonce key,
    /// one of <see cref="RedisStoreOptions.AdmissionShards"/>, so that batches of a tenant run side by side); its outcome is
    /// the one it would have had alone, in arrival order within its shard. A failed batch fails every request in it. A nonce
    /// key without a hash tag is admitted alone. A budget reservation rides the same script run when
    /// its key carries the nonce key's hash tag (one Redis Cluster slot) and
    /// <see cref="RedisStoreOptions.BatchBudgets"/> is on; otherwise it is made with a call of its own
    /// right after an admission that admitted. The decision-token step (<see cref="AdmissionRequest.Token"/>) rides
    /// the admission's script run too, except on that path: there it is a third call
    /// (<see cref="RedisScripts.RecordToken"/>), made only when the budget was reserved, so that a refused budget
    /// records and uses nothing, as in one step. Those calls are not one atomic step: the generations are read by the
    /// third call (a generation raised since the admission is the one read), and when the second or third call fails
    /// the nonce stays spent and the windows (and the budget) counted, the call failing with
    /// <see cref="StateStoreUnavailableException"/>.
    /// </remarks>
    public ValueTask<AdmissionOutcome> AdmitAsync(AdmissionRequest request, CancellationToken cancellationToken = default)
    {
        ThrowIfInvalid(request);
        var tag = HashTag(request.NonceKey);
        if (request.Budget is { } budget && !BudgetRides(tag, budget.Key))
        {
            return AdmitThenReserveAsync(request with { Budget = null, Token = null }, budget, request.Token, cancellationToken);
        }

        return _batchAdmissions && !tag.IsEmpty
            ? AdmissionsFor(tag, request.NonceKey).SendAsync(request, cancellationToken)
            : AdmitOneAsync(request, cancellationToken);
    }

    // Checked before any call, so that a bad request fails alone rather than the batch (or the append) it would join.
    private static void ThrowIfInvalid(AdmissionRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.SwitchKeys.Count > AdmissionRequest.MaxSwitchKeys)
        {
            throw new ArgumentException($"At most {AdmissionRequest.MaxSwitchKeys} kill-switch keys per admission.", nameof(request));
        }

        foreach (var window in request.Windows)
        {
            WindowMilliseconds(window.Window);
        }

        if (request.Budget is { } budget)
        {
            WindowMilliseconds(budget.Window);
        }

        request.Token?.ThrowIfInvalid();
        request.ThrowIfInvalidReservations();
    }

    // Whether a budget's reservation or settle rides a script run whose keys carry the hash tag (an admission's nonce, an
    // append's log): BatchBudgets on and the budget's key of the same tag (one Redis Cluster slot).
    private bool BudgetRides(ReadOnlySpan<char> tag, string budgetKey) => _batchBudgets && tag.SequenceEqual(HashTag(budgetKey));

    // A budget that cannot ride the admission's script run (another hash slot, or BatchBudgets off):
    // reserved with a call of its own right after an admission that admitted, and the token step, when asked, with a
    // third only when the budget was reserved (as the admission script would have decided it).
    private async ValueTask<AdmissionOutcome> AdmitThenReserveAsync(AdmissionRequest request, BudgetReservation budget, TokenRecording? token, CancellationToken cancellationToken)
    {
        var outcome = await AdmitAsync(request, cancellationToken).ConfigureAwait(false);
        if (!outcome.NonceFresh || request.StoppedBy(outcome.SwitchesOn) || !outcome.RateLimit.Admitted || outcome.Counters is { Reserved: false })
        {
            return outcome;
        }

        var reserved = await TryReserveAsync(budget.Key, budget.Amount, budget.Limit, budget.Window, CancellationToken.None).ConfigureAwait(false);
        return outcome with
        {
            Budget = reserved,
            Token = reserved.Reserved && token is not null ? await RecordTokenAsync(token).ConfigureAwait(false) : null,
        };
    }

    // RedisScripts.RecordToken: the token step alone. Never cancelled: the admission it completes has been made.
    private async ValueTask<TokenRecordingOutcome> RecordTokenAsync(TokenRecording token)
    {
        var keys = new RedisKey[1 + token.GenerationKeys.Count + (token.ConsumeKey is null ? 0 : 1)];
        var values = new RedisValue[3];
        WriteToken(token, keys, 0, values, 0);
        var reply = (RedisResult[])(await EvaluateAsync("record_token", RedisScripts.RecordToken, keys, values, CancellationToken.None).ConfigureAwait(false))!;
        return ToToken(reply, token);
    }

    public async ValueTask<TokenConsumption> ConsumeTokenAsync(string recordKey, IReadOnlyList<KeyValuePair<string, string?>>? unchanged = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(recordKey);
        var count = unchanged?.Count ?? 0;
        var keys = new RedisKey[1 + count];
        var values = new RedisValue[count];
        keys[0] = recordKey;
        for (var i = 0; i < count; i++)
        {
            keys[i + 1] = unchanged![i].Key;
            values[i] = unchanged[i].Value is { } held ? "=" + held : RedisValue.EmptyString;
        }

        var reply = await EvaluateAsync("consume_token", RedisScripts.ConsumeToken, keys, values, cancellationToken).ConfigureAwait(false);
        return (long)reply switch
        {
            1 => TokenConsumption.Consumed,
            2 => TokenConsumption.AlreadyUsed,
            4 => TokenConsumption.Changed,
            _ => TokenConsumption.NotRecorded,
        };
    }

    private static TokenRecordingOutcome ToToken(RedisResult[] reply, TokenRecording token)
    {
        Span<long> numbers = stackalloc long[reply.Length];
        for (var i = 0; i < numbers.Length; i++)
        {
            numbers[i] = (long)reply[i];
        }

        return ToToken(numbers, token);
    }

    // Requests share a batch only with requests of the same hash tag (a tenant's keys all carry it) and shard: the shard of
    // its nonce key, so that requests repeating a nonce queue in one batcher, in arrival order.
    private RedisGroupCommit<AdmissionRequest, AdmissionOutcome> AdmissionsFor(ReadOnlySpan<char> tag, string nonceKey) =>
        GroupFor(_admissions, tag, ReplicaShards.Of(nonceKey, _shards), static store => new(store.AdmitBatchAsync, store._maxAdmissionBatch));

    private RedisGroupCommit<TRequest, TOutcome> GroupFor<TRequest, TOutcome>(ConcurrentDictionary<string, RedisGroupCommit<TRequest, TOutcome>[]> groups, ReadOnlySpan<char> tag, int shard, Func<RedisStateStore, RedisGroupCommit<TRequest, TOutcome>> create)
    {
        var lookup = groups.GetAlternateLookup<ReadOnlySpan<char>>();
        var shards = lookup.TryGetValue(tag, out var found)
            ? found
            : groups.GetOrAdd(tag.ToString(), static (_, state) => [.. Enumerable.Range(0, state.store._shards).Select(_ => state.create(state.store))], (store: this, create));
        return shards[shard];
    }

    // Redis Cluster's hash tag: the text between the first '{' and the next '}'; empty when there is
    // none (the whole key is hashed then, so a key without a tag is admitted on its own, unbatched).
    private static ReadOnlySpan<char> HashTag(string key)
    {
        var open = key.IndexOf('{', StringComparison.Ordinal);
        var close = open < 0 ? -1 : key.IndexOf('}', open + 1);
        return close > open + 1 ? key.AsSpan(open + 1, close - open - 1) : [];
    }

    // Unbatched: the same script, with a batch of one.
    private async ValueTask<AdmissionOutcome> AdmitOneAsync(AdmissionRequest request, CancellationToken cancellationToken) =>
        (await RunAdmitAsync("admit", [request], cancellationToken).ConfigureAwait(false))[0];

    private static int KeyCount(AdmissionRequest request) =>
        1 + request.SwitchKeys.Count + request.Windows.Count + request.Counters.Count + (request.Budget is null ? 0 : 1)
        + (request.Token is { } token ? 1 + token.GenerationKeys.Count + (token.ConsumeKey is null ? 0 : 1) : 0);

    private static int ValueCount(AdmissionRequest request) =>
        8 + (request.Windows.Count * 3) + (request.Counters.Count * 3) + (request.Budget is null ? 0 : 3) + (request.Token is null ? 0 : 3);

    /// <summary>
    /// The arrays of an admission call, kept for the next call of the same size (#52): in the steady state a tenant's
    /// batches have one shape, and each would make two arrays of its own. One pair is kept for the store; a call that
    /// finds none, or one of another size, makes its own.
    /// </summary>
    private sealed class AdmitArguments(RedisKey[] keys, RedisValue[] values)
    {
        public RedisKey[] Keys { get; } = keys;

        public RedisValue[] Values { get; } = values;

        public static AdmitArguments Take(ref AdmitArguments? spare, int keyCount, int valueCount) =>
            Interlocked.Exchange(ref spare, null) is { } kept && kept.Keys.Length == keyCount && kept.Values.Length == valueCount
                ? kept
                : new(new RedisKey[keyCount], new RedisValue[valueCount]);

        public void GiveBack(ref AdmitArguments? spare)
        {
            // Every element is written again before the next call; cleared so that a kept pair holds no request's keys.
            Array.Clear(Keys);
            Array.Clear(Values);
            Volatile.Write(ref spare, this);
        }
    }

    private AdmitArguments? _spareAdmitArguments;

    // A batch: never cancelled, for other callers wait for the same call.
    private Task<AdmissionOutcome[]> AdmitBatchAsync(IReadOnlyList<AdmissionRequest> batch)
    {
        _metrics.RecordAdmissionBatch(batch.Count);
        return RunAdmitAsync("admit_batch", batch, CancellationToken.None);
    }

    // RedisScripts.Admit: ARGV[1] the request count, then each request's arguments and keys (WriteAdmission).
    private async Task<AdmissionOutcome[]> RunAdmitAsync(string operation, IReadOnlyList<AdmissionRequest> batch, CancellationToken cancellationToken)
    {
        var (keyCount, valueCount) = AdmissionSize(batch);
        var arguments = AdmitArguments.Take(ref _spareAdmitArguments, keyCount, valueCount);
        var (keys, values) = (arguments.Keys, arguments.Values);
        WriteAdmissions(batch, keys, 0, values, 0);
        var reply = await EvaluateAsync(operation, RedisScripts.Admit, keys, values, cancellationToken).ConfigureAwait(false);

        // Answered: the call is done with its arrays. A call that failed or timed out may still be queued to be written,
        // so its arrays are never given back.
        arguments.GiveBack(ref _spareAdmitArguments);
        return ToAdmissions(operation, reply, batch);
    }

    // A batch's keys and arguments in the admission script (the request count first).
    private static (int Keys, int Values) AdmissionSize(IReadOnlyList<AdmissionRequest> batch)
    {
        int keyCount = 0, valueCount = 1;
        foreach (var request in batch)
        {
            keyCount += KeyCount(request);
            valueCount += ValueCount(request);
        }

        return (keyCount, valueCount);
    }

    // A batch's keys from keys[firstKey] and arguments from values[firstValue]: the request count, then each request's.
    private static void WriteAdmissions(IReadOnlyList<AdmissionRequest> batch, RedisKey[] keys, int firstKey, RedisValue[] values, int firstValue)
    {
        values[firstValue] = batch.Count;
        int key = firstKey, value = firstValue + 1;
        foreach (var request in batch)
        {
            WriteAdmission(request, keys, key, values, value);
            key += KeyCount(request);
            value += ValueCount(request);
        }
    }

    // One request's keys (nonce, switches, windows, counters, budget, token record, generations, presented record) and
    // arguments (nonce value, lifetime ms, switch count, window count, budget 0|1, token 0|1, counter count, stopping
    // switches' bit mask, then limit, window ms and permits per window, then amount, limit (-1: none) and lifetime ms per
    // counter, then the budget's amount, limit and window ms, then the record's lifetime ms, generation count, consume 0|1).
    private static void WriteAdmission(AdmissionRequest request, RedisKey[] keys, int firstKey, RedisValue[] values, int firstValue)
    {
        var switches = request.SwitchKeys.Count;
        keys[firstKey] = request.NonceKey;
        values[firstValue] = request.NonceValue;
        values[firstValue + 1] = (long)Milliseconds(request.NonceLifetime).TotalMilliseconds;
        values[firstValue + 2] = switches;
        values[firstValue + 3] = request.Windows.Count;
        values[firstValue + 4] = request.Budget is null ? 0 : 1;
        values[firstValue + 5] = request.Token is null ? 0 : 1;
        values[firstValue + 6] = request.Counters.Count;
        values[firstValue + 7] = request.StoppingSwitches;
        for (var i = 0; i < switches; i++)
        {
            keys[firstKey + 1 + i] = request.SwitchKeys[i];
        }

        var key = firstKey + 1 + switches;
        var value = firstValue + 8;
        AddWindows(request.Windows, keys, key, values, value);
        key += request.Windows.Count;
        value += 3 * request.Windows.Count;
        // Indexed loops: a foreach over the lists (arrays behind IReadOnlyList) made an enumerator object per request.
        for (var i = 0; i < request.Counters.Count; i++)
        {
            var counter = request.Counters[i];
            keys[key++] = counter.Key;
            values[value] = counter.Amount;
            values[value + 1] = counter.Limit ?? -1;
            values[value + 2] = (long)Milliseconds(counter.Lifetime).TotalMilliseconds;
            value += 3;
        }
        if (request.Budget is { } budget)
        {
            keys[key++] = budget.Key;
            values[value] = budget.Amount;
            values[value + 1] = budget.Limit;
            values[value + 2] = WindowMilliseconds(budget.Window);
            value += 3;
        }

        if (request.Token is { } token)
        {
            WriteToken(token, keys, key, values, value);
        }
    }

    // The token step's keys (record, generations, presented record) and arguments (lifetime ms, generation count, consume 0|1).
    private static void WriteToken(TokenRecording token, RedisKey[] keys, int key, RedisValue[] values, int value)
    {
        keys[key++] = token.RecordKey;
        for (var i = 0; i < token.GenerationKeys.Count; i++)
        {
            keys[key++] = token.GenerationKeys[i];
        }

        if (token.ConsumeKey is { } consume)
        {
            keys[key] = consume;
        }

        values[value] = (long)Milliseconds(token.Lifetime).TotalMilliseconds;
        values[value + 1] = token.GenerationKeys.Count;
        values[value + 2] = token.ConsumeKey is null ? 0 : 1;
    }

    private static void AddWindows(IReadOnlyList<RateLimitWindow> windows, RedisKey[] keys, int firstKey, RedisValue[] values, int firstValue)
    {
        for (var i = 0; i < windows.Count; i++)
        {
            var window = windows[i];
            keys[firstKey + i] = window.Key;
            values[firstValue + (3 * i)] = window.Limit;
            values[firstValue + (3 * i) + 1] = WindowMilliseconds(window.Window);
            values[firstValue + (3 * i) + 2] = window.Permits;
        }
    }

    private static RateLimitOutcome ToOutcome(int refused, long retryAfterMs) => refused < 0
        ? RateLimitOutcome.Admit
        : new RateLimitOutcome(false, refused, TimeSpan.FromMilliseconds(retryAfterMs));
}
