using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net;
using System.Text;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Gateway.Store;

/// <summary>
/// The production <see cref="IStateStore"/>: one shared Redis (7.0 or later; <c>GETDEL</c> needs 6.2),
/// reached through the process's one <see cref="RedisConnection"/> (StackExchange.Redis). Every call
/// is one round trip: a single command, or a Lua script for the compound operations. Logs are Redis
/// streams whose entry IDs are <c>(index + 1)-0</c>, each entry's text in field <c>e</c>.
/// </summary>
/// <remarks>
/// Connection failures, timeouts and server error replies all surface as
/// <see cref="StateStoreUnavailableException"/> (the latter with the <see cref="RedisServerException"/>
/// inside), so callers fail closed on one exception type. Each call waits at most the command timeout.
/// </remarks>
public sealed class RedisStateStore : IStateStore, IAsyncDisposable
{
    private static readonly RedisValue LogField = "e";
    private readonly RedisConnection _connection;
    private readonly bool _ownsConnection;
    private readonly StateStoreMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly TimeSpan _commandTimeout;
    private readonly bool _batchAdmissions;
    private readonly bool _batchBudgets;
    private readonly int _maxAdmissionBatch;
    private readonly RedisTopology _topology;
    private readonly int _replicaAcknowledgements;
    private readonly long _replicaTimeoutMs;

    // Redis Cluster's hash slots: every one must have a primary for the store to serve every tenant.
    private const int ClusterSlots = 16384;

    // One group commit per hash tag ({tenant}): a script may touch a single Redis Cluster slot.
    private readonly ConcurrentDictionary<string, RedisGroupCommit<AdmissionRequest, AdmissionOutcome>> _admissions = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, RedisGroupCommit<PendingSettle, long>> _settles = new(StringComparer.Ordinal);

    /// <summary>A store with a connection of its own (closed on dispose).</summary>
    public RedisStateStore(RedisStoreOptions options, ILoggerFactory? loggerFactory = null, IMeterFactory? meterFactory = null, TimeProvider? timeProvider = null)
        : this(new RedisConnection(options, loggerFactory), ownsConnection: true, meterFactory, timeProvider)
    {
    }

    /// <summary>A store over the process's shared connection (not closed on dispose).</summary>
    public RedisStateStore(RedisConnection connection, IMeterFactory? meterFactory = null, TimeProvider? timeProvider = null)
        : this(connection, ownsConnection: false, meterFactory, timeProvider)
    {
    }

    private RedisStateStore(RedisConnection connection, bool ownsConnection, IMeterFactory? meterFactory, TimeProvider? timeProvider)
    {
        ArgumentNullException.ThrowIfNull(connection);
        _connection = connection;
        _ownsConnection = ownsConnection;
        _time = timeProvider ?? TimeProvider.System;
        _metrics = new StateStoreMetrics(meterFactory);
        _commandTimeout = connection.Options.CommandTimeout;
        _batchAdmissions = connection.Options.BatchAdmissions;
        _batchBudgets = connection.Options.BatchBudgets;
        _maxAdmissionBatch = connection.Options.MaxAdmissionBatch;
        _topology = connection.Options.Topology;
        _replicaAcknowledgements = connection.Options.RequiredReplicaAcknowledgements;
        _replicaTimeoutMs = Math.Max(1, (long)Math.Ceiling(connection.Options.ReplicaAcknowledgementTimeout.TotalMilliseconds));
    }

    /// <summary>True while the connection to Redis is up.</summary>
    public bool IsConnected => _connection.IsConnected;

    public ValueTask<bool> TrySetIfAbsentAsync(string key, string value, TimeSpan expiry, CancellationToken cancellationToken = default) =>
        RunAsync("set_if_absent", (key, value, expiry), static (db, s, f) => db.StringSetAsync(s.key, s.value, Milliseconds(s.expiry), When.NotExists, f), cancellationToken, written: key);

    public async ValueTask<string?> GetAsync(string key, CancellationToken cancellationToken = default) =>
        await RunAsync("get", key, static (db, k, f) => db.StringGetAsync(k, f), cancellationToken).ConfigureAwait(false);

    public async ValueTask<IReadOnlyList<string?>> GetManyAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keys);
        if (keys.Count == 0)
        {
            return [];
        }

        var redisKeys = new RedisKey[keys.Count];
        for (var i = 0; i < redisKeys.Length; i++)
        {
            redisKeys[i] = keys[i];
        }

        var reply = await RunAsync("get_many", redisKeys, static (db, k, f) => db.StringGetAsync(k, f), cancellationToken).ConfigureAwait(false);
        var values = new string?[reply.Length];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = reply[i];
        }

        return values;
    }

    public async ValueTask SetAsync(string key, string value, TimeSpan? expiry, CancellationToken cancellationToken = default) =>
        await RunAsync("set", (key, value, expiry), static (db, s, f) => db.StringSetAsync(s.key, s.value, s.expiry is { } e ? Milliseconds(e) : (TimeSpan?)null, When.Always, f), cancellationToken, written: key).ConfigureAwait(false);

    public ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default) =>
        RunAsync("delete", key, static (db, k, f) => db.KeyDeleteAsync(k, f), cancellationToken, written: key);

    public async ValueTask<string?> TakeAsync(string key, CancellationToken cancellationToken = default) =>
        await RunAsync("take", key, static (db, k, f) => db.StringGetDeleteAsync(k, f), cancellationToken, written: key).ConfigureAwait(false);

    public async ValueTask<long> IncrementAsync(string key, long delta, TimeSpan? expiry, CancellationToken cancellationToken = default)
    {
        var reply = await EvaluateAsync("increment", RedisScripts.Increment, [key], [delta, expiry is { } e ? Milliseconds(e).TotalMilliseconds : 0], cancellationToken).ConfigureAwait(false);
        return (long)reply;
    }

    /// <remarks>
    /// With <see cref="RedisStoreOptions.BatchAdmissions"/> the request may share its script run with
    /// others of its nonce key's hash tag (its tenant) that arrived while the previous admission call
    /// of that tag was in flight (<see cref="RedisGroupCommit{TRequest, TOutcome}"/>); its outcome is the
    /// one it would have had alone, in arrival order. A failed batch fails every request in it. A nonce
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
        ArgumentNullException.ThrowIfNull(request);
        if (request.SwitchKeys.Count > AdmissionRequest.MaxSwitchKeys)
        {
            throw new ArgumentException($"At most {AdmissionRequest.MaxSwitchKeys} kill-switch keys per admission.", nameof(request));
        }

        // Checked here, so that a bad request fails alone rather than the batch it would join.
        foreach (var window in request.Windows)
        {
            WindowMilliseconds(window.Window);
        }

        request.Token?.ThrowIfInvalid();
        request.ThrowIfInvalidCounters();

        var tag = HashTag(request.NonceKey);
        if (request.Budget is { } budget)
        {
            WindowMilliseconds(budget.Window);
            if (!_batchBudgets || !tag.SequenceEqual(HashTag(budget.Key)))
            {
                return AdmitThenReserveAsync(request with { Budget = null, Token = null }, budget, request.Token, cancellationToken);
            }
        }

        return _batchAdmissions && !tag.IsEmpty
            ? AdmissionsFor(tag).SendAsync(request, cancellationToken)
            : AdmitOneAsync(request, cancellationToken);
    }

    // A budget that cannot ride the admission's script run (another hash slot, or BatchBudgets off):
    // reserved with a call of its own right after an admission that admitted, and the token step, when asked, with a
    // third only when the budget was reserved (as the admission script would have decided it).
    private async ValueTask<AdmissionOutcome> AdmitThenReserveAsync(AdmissionRequest request, BudgetReservation budget, TokenRecording? token, CancellationToken cancellationToken)
    {
        var outcome = await AdmitAsync(request, cancellationToken).ConfigureAwait(false);
        if (!outcome.NonceFresh || !outcome.RateLimit.Admitted || outcome.Counters is { Reserved: false })
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
        return ToToken(reply, 0, token);
    }

    // Requests share a batch only with requests of the same hash tag (a tenant's keys all carry it).
    private RedisGroupCommit<AdmissionRequest, AdmissionOutcome> AdmissionsFor(ReadOnlySpan<char> tag) =>
        GroupFor(_admissions, tag, static store => new(store.AdmitBatchAsync, store._maxAdmissionBatch));

    private RedisGroupCommit<PendingSettle, long> SettlesFor(ReadOnlySpan<char> tag) =>
        GroupFor(_settles, tag, static store => new(store.SettleBatchAsync, store._maxAdmissionBatch));

    private RedisGroupCommit<TRequest, TOutcome> GroupFor<TRequest, TOutcome>(ConcurrentDictionary<string, RedisGroupCommit<TRequest, TOutcome>> groups, ReadOnlySpan<char> tag, Func<RedisStateStore, RedisGroupCommit<TRequest, TOutcome>> create)
    {
        var lookup = groups.GetAlternateLookup<ReadOnlySpan<char>>();
        return lookup.TryGetValue(tag, out var group)
            ? group
            : groups.GetOrAdd(tag.ToString(), static (_, state) => state.create(state.store), (store: this, create));
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
        7 + (request.Windows.Count * 3) + (request.Counters.Count * 3) + (request.Budget is null ? 0 : 3) + (request.Token is null ? 0 : 3);

    // A batch: never cancelled, for other callers wait for the same call.
    private Task<AdmissionOutcome[]> AdmitBatchAsync(IReadOnlyList<AdmissionRequest> batch)
    {
        _metrics.RecordAdmissionBatch(batch.Count);
        return RunAdmitAsync("admit_batch", batch, CancellationToken.None);
    }

    // RedisScripts.Admit: ARGV[1] the request count, then each request's arguments and keys (WriteAdmission).
    private async Task<AdmissionOutcome[]> RunAdmitAsync(string operation, IReadOnlyList<AdmissionRequest> batch, CancellationToken cancellationToken)
    {
        int keyCount = 0, valueCount = 1;
        foreach (var request in batch)
        {
            keyCount += KeyCount(request);
            valueCount += ValueCount(request);
        }

        var keys = new RedisKey[keyCount];
        var values = new RedisValue[valueCount];
        values[0] = batch.Count;
        int key = 0, value = 1;
        foreach (var request in batch)
        {
            WriteAdmission(request, keys, key, values, value);
            key += KeyCount(request);
            value += ValueCount(request);
        }

        var reply = (RedisResult[])(await EvaluateAsync(operation, RedisScripts.Admit, keys, values, cancellationToken).ConfigureAwait(false))!;
        var outcomes = new AdmissionOutcome[reply.Length / RedisScripts.ReplyLength];
        for (var i = 0; i < outcomes.Length; i++)
        {
            outcomes[i] = ToAdmission(reply, RedisScripts.ReplyLength * i, batch[i]);
        }

        return outcomes;
    }

    // One request's keys (nonce, switches, windows, counters, budget, token record, generations, presented record) and
    // arguments (nonce value, lifetime ms, switch count, window count, budget 0|1, token 0|1, counter count, then limit,
    // window ms and permits per window, then amount, limit (-1: none) and lifetime ms per counter, then the budget's
    // amount, limit and window ms, then the record's lifetime ms, generation count, consume 0|1).
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
        for (var i = 0; i < switches; i++)
        {
            keys[firstKey + 1 + i] = request.SwitchKeys[i];
        }

        var key = firstKey + 1 + switches;
        var value = firstValue + 7;
        AddWindows(request.Windows, keys, key, values, value);
        key += request.Windows.Count;
        value += 3 * request.Windows.Count;
        foreach (var counter in request.Counters)
        {
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
        foreach (var generation in token.GenerationKeys)
        {
            keys[key++] = generation;
        }

        if (token.ConsumeKey is { } consume)
        {
            keys[key] = consume;
        }

        values[value] = (long)Milliseconds(token.Lifetime).TotalMilliseconds;
        values[value + 1] = token.GenerationKeys.Count;
        values[value + 2] = token.ConsumeKey is null ? 0 : 1;
    }

    private static AdmissionOutcome ToAdmission(RedisResult[] reply, int offset, AdmissionRequest request) =>
        new((long)reply[offset] == 1, (uint)(long)reply[offset + 1], ToOutcome((int)reply[offset + 2], (long)reply[offset + 3]))
        {
            Budget = (long)reply[offset + 4] < 0 || request.Budget is not { } asked ? null
                : new BudgetOutcome((long)reply[offset + 4] == 1, (long)reply[offset + 5], asked.Limit, TimeSpan.FromMilliseconds((long)reply[offset + 6])),
            Token = (long)reply[offset + 7] < 0 || request.Token is not { } token ? null : ToToken(reply, offset + 7, token),
            Counters = ToCounters(reply, offset + RedisScripts.CounterReplyOffset, request.Counters.Count),
        };

    // The counters' code (-2 not asked or not tried, -1 reserved, else the refused index), then their values.
    private static CounterOutcome? ToCounters(RedisResult[] reply, int offset, int count)
    {
        var code = (long)reply[offset];
        if (code < -1)
        {
            return null;
        }

        var values = new long[count];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = (long)reply[offset + 1 + i];
        }

        return new CounterOutcome((int)code, values);
    }

    private static TokenRecordingOutcome ToToken(RedisResult[] reply, int offset, TokenRecording token)
    {
        var generations = new long[token.GenerationKeys.Count];
        for (var i = 0; i < generations.Length; i++)
        {
            generations[i] = (long)reply[offset + 1 + i];
        }

        var consumption = (long)reply[offset] switch
        {
            1 => TokenConsumption.Consumed,
            2 => TokenConsumption.AlreadyUsed,
            3 => TokenConsumption.NotRecorded,
            _ => TokenConsumption.NotAsked,
        };
        return new TokenRecordingOutcome(generations, consumption);
    }

    public async ValueTask<BudgetOutcome> TryReserveAsync(string key, long amount, long limit, TimeSpan window, CancellationToken cancellationToken = default)
    {
        var reply = (RedisResult[])(await EvaluateAsync("reserve", RedisScripts.Reserve, [key], [amount, limit, WindowMilliseconds(window)], cancellationToken).ConfigureAwait(false))!;
        return new BudgetOutcome((long)reply[0] == 1, (long)reply[1], limit, TimeSpan.FromMilliseconds((long)reply[2]));
    }

    /// <remarks>
    /// With <see cref="RedisStoreOptions.BatchBudgets"/> the settle may share its script run with others of
    /// its key's hash tag that arrived while the previous settle call of that tag was in flight; a failed
    /// call fails every settle in it (the reservations stand).
    /// </remarks>
    public async ValueTask<long> SettleAsync(string key, long reserved, long actual, TimeSpan window, CancellationToken cancellationToken = default)
    {
        var settle = new PendingSettle(key, actual - reserved, WindowMilliseconds(window));
        var tag = HashTag(key);
        if (_batchBudgets && !tag.IsEmpty)
        {
            return await SettlesFor(tag).SendAsync(settle, cancellationToken).ConfigureAwait(false);
        }

        var reply = await EvaluateAsync("settle", RedisScripts.Settle, [key], [settle.Delta, settle.WindowMs], cancellationToken).ConfigureAwait(false);
        return (long)reply;
    }

    // The batch script: KEYS the budgets, ARGV per settle its delta and window ms. Never cancelled.
    private async Task<long[]> SettleBatchAsync(IReadOnlyList<PendingSettle> batch)
    {
        var keys = new RedisKey[batch.Count];
        var values = new RedisValue[2 * batch.Count];
        for (var i = 0; i < batch.Count; i++)
        {
            keys[i] = batch[i].Key;
            values[2 * i] = batch[i].Delta;
            values[(2 * i) + 1] = batch[i].WindowMs;
        }

        var reply = (RedisResult[])(await EvaluateAsync("settle_batch", RedisScripts.SettleBatch, keys, values, CancellationToken.None).ConfigureAwait(false))!;
        var used = new long[reply.Length];
        for (var i = 0; i < used.Length; i++)
        {
            used[i] = (long)reply[i];
        }

        return used;
    }

    public async ValueTask<IReadOnlyList<long?>> AdjustCountersAsync(IReadOnlyList<CounterAdjustment> adjustments, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(adjustments);
        if (adjustments.Count == 0)
        {
            return [];
        }

        var keys = new RedisKey[adjustments.Count];
        var values = new RedisValue[adjustments.Count];
        for (var i = 0; i < keys.Length; i++)
        {
            keys[i] = adjustments[i].Key;
            values[i] = adjustments[i].Delta;
        }

        var reply = (RedisResult[])(await EvaluateAsync("adjust_counters", RedisScripts.AdjustCounters, keys, values, cancellationToken).ConfigureAwait(false))!;
        var adjusted = new long?[reply.Length];
        for (var i = 0; i < adjusted.Length; i++)
        {
            adjusted[i] = (long)reply[i] is var value and >= 0 ? value : null;
        }

        return adjusted;
    }

    public async ValueTask<long> SetAddAsync(string key, string member, TimeSpan? expiry, CancellationToken cancellationToken = default)
    {
        var reply = await EvaluateAsync("set_add", RedisScripts.SetAdd, [key], [member, expiry is { } e ? Milliseconds(e).TotalMilliseconds : 0], cancellationToken).ConfigureAwait(false);
        return (long)reply;
    }

    public async ValueTask<IReadOnlyList<string>> SetMembersAsync(string key, CancellationToken cancellationToken = default)
    {
        var reply = await RunAsync("set_members", key, static (db, k, f) => db.SetMembersAsync(k, f), cancellationToken).ConfigureAwait(false);
        var members = new string[reply.Length];
        for (var i = 0; i < members.Length; i++)
        {
            members[i] = reply[i]!;
        }

        Array.Sort(members, StringComparer.Ordinal);
        return members;
    }

    public ValueTask<bool> TryAppendAsync(string logKey, long expectedLength, string entry, CancellationToken cancellationToken = default) =>
        AppendAsync(logKey, expectedLength, [Encoding.UTF8.GetBytes(entry)], hashKey: null, [], null, [], cancellationToken);

    public ValueTask<bool> TryAppendAsync(string logKey, long expectedLength, IReadOnlyList<byte[]> entries, CancellationToken cancellationToken = default) =>
        AppendAsync(logKey, expectedLength, entries, hashKey: null, [], null, [], cancellationToken);

    public ValueTask<bool> TryAppendAsync(string logKey, long expectedLength, IReadOnlyList<byte[]> entries, string? hashKey, IReadOnlyList<KeyValuePair<string, byte[]>> fields, string companionLogKey, IReadOnlyList<byte[]> companionEntries, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(companionLogKey);
        ArgumentNullException.ThrowIfNull(companionEntries);
        return AppendAsync(logKey, expectedLength, entries, hashKey, fields, companionLogKey, companionEntries, cancellationToken);
    }

    public ValueTask<bool> TryAppendAsync(string logKey, long expectedLength, IReadOnlyList<byte[]> entries, string hashKey, IReadOnlyList<KeyValuePair<string, byte[]>> fields, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(hashKey);
        return AppendAsync(logKey, expectedLength, entries, hashKey, fields, null, [], cancellationToken);
    }

    // ARGV: expected length, field count, companion count, the (field, value) pairs, the companion entries, then the
    // entries (RedisScripts.Append); the hash is a key of the script only when there are fields to set, the companion
    // log only when there are companion entries (the log's own key stands in for an unused hash before it).
    private async ValueTask<bool> AppendAsync(string logKey, long expectedLength, IReadOnlyList<byte[]> entries, string? hashKey, IReadOnlyList<KeyValuePair<string, byte[]>> fields, string? companionLogKey, IReadOnlyList<byte[]> companionEntries, CancellationToken cancellationToken)
    {
        if (fields.Count > 0)
        {
            ArgumentNullException.ThrowIfNull(hashKey);
        }

        ArgumentNullException.ThrowIfNull(entries);
        ArgumentNullException.ThrowIfNull(fields);
        ArgumentOutOfRangeException.ThrowIfNegative(expectedLength);
        ArgumentOutOfRangeException.ThrowIfZero(entries.Count);
        var arguments = new RedisValue[3 + (2 * fields.Count) + companionEntries.Count + entries.Count];
        arguments[0] = expectedLength;
        arguments[1] = fields.Count;
        arguments[2] = companionEntries.Count;
        for (var i = 0; i < fields.Count; i++)
        {
            arguments[3 + (2 * i)] = fields[i].Key;
            arguments[4 + (2 * i)] = fields[i].Value;
        }

        var at = 3 + (2 * fields.Count);
        for (var i = 0; i < companionEntries.Count; i++)
        {
            arguments[at + i] = companionEntries[i];
        }

        at += companionEntries.Count;
        for (var i = 0; i < entries.Count; i++)
        {
            arguments[at + i] = entries[i];
        }

        RedisKey[] keys = companionEntries.Count > 0 ? [logKey, fields.Count > 0 ? hashKey! : logKey, companionLogKey!]
            : fields.Count > 0 ? [logKey, hashKey!]
            : [logKey];
        var reply = await EvaluateAsync("log_append", RedisScripts.Append, keys, arguments, cancellationToken).ConfigureAwait(false);
        return (long)reply == 1;
    }

    public async ValueTask<string?> HashGetAsync(string hashKey, string field, CancellationToken cancellationToken = default) =>
        await RunAsync("hash_get", (hashKey, field), static (db, s, f) => db.HashGetAsync(s.hashKey, s.field, f), cancellationToken).ConfigureAwait(false);

    public ValueTask<long> HashLengthAsync(string hashKey, CancellationToken cancellationToken = default) =>
        RunAsync("hash_length", hashKey, static (db, k, f) => db.HashLengthAsync(k, f), cancellationToken);

    public ValueTask<long> LogLengthAsync(string logKey, CancellationToken cancellationToken = default) =>
        RunAsync("log_length", logKey, static (db, k, f) => db.StreamLengthAsync(k, f), cancellationToken);

    public async ValueTask<IReadOnlyList<string>> ReadLogAsync(string logKey, long start, int count, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        cancellationToken.ThrowIfCancellationRequested();
        if (count == 0)
        {
            return [];
        }

        // Entry IDs are (index + 1)-0, so "start + 1" seeks straight to index start.
        var reply = await RunAsync("log_read", (logKey, start, count), static (db, s, f) => db.StreamRangeAsync(s.logKey, s.start + 1, "+", s.count, flags: f), cancellationToken).ConfigureAwait(false);
        var entries = new string[reply.Length];
        for (var i = 0; i < entries.Length; i++)
        {
            entries[i] = reply[i][LogField]!;
        }

        return entries;
    }

    public async ValueTask PingAsync(CancellationToken cancellationToken = default) =>
        await RunAsync("ping", this, static (database, store, _) => store.PingEveryPrimaryAsync(database.Multiplexer, database), cancellationToken).ConfigureAwait(false);

    public async ValueTask DisposeAsync()
    {
        if (_ownsConnection)
        {
            await _connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static TimeSpan Milliseconds(TimeSpan expiry) => TimeSpan.FromMilliseconds(Math.Max(1, (long)Math.Ceiling(expiry.TotalMilliseconds)));

    private static long WindowMilliseconds(TimeSpan window)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(window, TimeSpan.Zero);
        return Math.Max(1, (long)window.TotalMilliseconds);
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

    // Every script writes (a nonce, a counter, a record...): the first key names the hash slot it ran on.
    private ValueTask<RedisResult> EvaluateAsync(string operation, LuaScript script, RedisKey[] keys, RedisValue[] values, CancellationToken cancellationToken) =>
        RunAsync(operation, (script, keys, values), static (db, s, f) => db.ScriptEvaluateAsync(s.script.ExecutableScript, s.keys, s.values, f), cancellationToken, written: keys[0]);

    /// <summary>
    /// Runs one call on the primary (never a replica: a replica's copy may lag behind a nonce or a kill switch), bounded
    /// by the command timeout. A write names its key (<paramref name="written"/>); with
    /// <see cref="RedisStoreOptions.RequiredReplicaAcknowledgements"/> above zero it succeeds only once the primary
    /// that took it reports it on that many replicas (<see cref="AwaitReplicasAsync"/>), within the same timeout.
    /// </summary>
    private async ValueTask<TResult> RunAsync<TState, TResult>(string operation, TState state, Func<IDatabaseAsync, TState, CommandFlags, Task<TResult>> call, CancellationToken cancellationToken, RedisKey? written = null)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var started = _time.GetTimestamp();
        try
        {
            var multiplexer = await _connection.GetMultiplexerAsync(cancellationToken).ConfigureAwait(false);
            var database = multiplexer.GetDatabase();
            var reply = written is { } key && _replicaAcknowledgements > 0
                ? WriteAndAwaitReplicasAsync(multiplexer, database, state, call, key)
                : call(database, state, CommandFlags.DemandMaster);

            // StackExchange.Redis checks its own timeouts on a timer; this bound is exact.
            return await reply.WaitAsync(_commandTimeout, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException ex)
        {
            throw Record(operation, new StateStoreUnavailableException($"Redis at {_connection.Endpoint} did not answer {operation} within {_commandTimeout.TotalMilliseconds:0} ms.", ex));
        }
        catch (RedisServerException ex)
        {
            throw Record(operation, new StateStoreUnavailableException($"Redis refused {operation}: {ex.Message}", ex));
        }
        catch (RedisException ex)
        {
            throw Record(operation, _connection.Unavailable(ex));
        }
        catch (RedisCommandException ex)
        {
            // The client found no server fit for the call (a primary it knows of only as the replica it was).
            throw Record(operation, _connection.Unavailable(ex));
        }
        catch (Exception ex) when (ex is StateStoreUnavailableException or OperationCanceledException)
        {
            _metrics.RecordError(operation, ex);
            throw;
        }
        finally
        {
            _metrics.RecordDuration(operation, _time.GetElapsedTime(started));
        }
    }

    // The write, then WAIT on the primary it went to. The primary is the one that owns the key's slot before the write
    // and still after it: a slot whose owner was not connected, or that moved in between (a failover, a MOVED reply),
    // leaves unknown where the write landed, so the call fails closed rather than wait on a server that never saw it.
    // The write is sent even then: its redirection is how the client learns the slot's new owner after a failover.
    private async Task<TResult> WriteAndAwaitReplicasAsync<TState, TResult>(IConnectionMultiplexer multiplexer, IDatabaseAsync database, TState state, Func<IDatabaseAsync, TState, CommandFlags, Task<TResult>> call, RedisKey written)
    {
        var before = ConnectedPrimaryOf(multiplexer, written);
        var result = await call(database, state, CommandFlags.DemandMaster).ConfigureAwait(false);
        var primary = PrimaryFor(multiplexer, written);
        if (!Equals(before, primary.EndPoint))
        {
            throw new StateStoreUnavailableException($"The hash slot of the write moved from {before?.ToString() ?? "a disconnected primary"} to {primary.EndPoint} while it ran (a failover): refused, since it cannot be known to be replicated.");
        }

        await AwaitReplicasAsync(primary).ConfigureAwait(false);
        return result;
    }

    private static EndPoint? ConnectedPrimaryOf(IConnectionMultiplexer multiplexer, RedisKey key)
    {
        try
        {
            return multiplexer.GetServer(key, flags: CommandFlags.DemandMaster).EndPoint;
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>
    /// <c>WAIT n timeout</c> on <paramref name="primary"/>: every write this process sent it before (on the one
    /// connection StackExchange.Redis keeps to each server) has reached <c>n</c> replicas, or this throws.
    /// </summary>
    private async Task AwaitReplicasAsync(IServer primary)
    {
        // Sent to that server as chosen: it was picked as a primary (by the key's slot, or the cluster's own word).
        var acknowledged = (long)await primary.ExecuteAsync("WAIT", [_replicaAcknowledgements, _replicaTimeoutMs], CommandFlags.None).ConfigureAwait(false);
        if (acknowledged < _replicaAcknowledgements)
        {
            throw new StateStoreUnavailableException(
                $"Redis at {primary.EndPoint} replicated the write to {acknowledged} of the {_replicaAcknowledgements} replicas required within {_replicaTimeoutMs} ms: " +
                "refused, since an unreplicated write can be lost when a replica is promoted.");
        }
    }

    // Readiness: every primary that serves hash slots answers (and, when writes wait for replicas, has them). On a
    // cluster those are the slot owners the cluster reports, all of its slots covered by primaries it does not mark
    // failing; otherwise the one primary (behind Sentinel, the one the sentinels name).
    private async Task<bool> PingEveryPrimaryAsync(IConnectionMultiplexer multiplexer, IDatabaseAsync database)
    {
        if (_topology != RedisTopology.Cluster)
        {
            await database.PingAsync(CommandFlags.DemandMaster).ConfigureAwait(false);
            if (_replicaAcknowledgements > 0)
            {
                await AwaitReplicasAsync(PrimaryFor(multiplexer, default)).ConfigureAwait(false);
            }

            return true;
        }

        var primaries = await ClusterPrimariesAsync(multiplexer).ConfigureAwait(false);
        await Task.WhenAll(primaries.Select(async primary =>
        {
            // The cluster names it a slot owner; the client may still take it for the replica it was before a promotion.
            await primary.PingAsync(CommandFlags.None).ConfigureAwait(false);
            if (_replicaAcknowledgements > 0)
            {
                await AwaitReplicasAsync(primary).ConfigureAwait(false);
            }
        })).ConfigureAwait(false);
        return true;
    }

    // The primary that serves the key's slot (any primary for the default key; the one primary off a cluster).
    private IServer PrimaryFor(IConnectionMultiplexer multiplexer, RedisKey key)
    {
        try
        {
            return multiplexer.GetServer(key, flags: CommandFlags.DemandMaster);
        }
        catch (InvalidOperationException ex)
        {
            // No connected server can serve it: the same failure a command would meet.
            throw _connection.Unavailable(ex);
        }
    }

    // The slot owners as the first connected node that answers describes them (a dead primary is skipped, so readiness
    // returns once the cluster has replaced it, whether or not it comes back).
    private async Task<IReadOnlyList<IServer>> ClusterPrimariesAsync(IConnectionMultiplexer multiplexer)
    {
        ClusterConfiguration? nodes = null;
        IServer? any = null;
        foreach (var server in multiplexer.GetServers().Where(static s => s.IsConnected))
        {
            try
            {
                nodes = await server.ClusterNodesAsync(CommandFlags.None).ConfigureAwait(false);
                any = server;
                break;
            }
            catch (RedisException)
            {
                // The next node may answer.
            }
        }

        if (nodes is null || any is null)
        {
            throw new StateStoreUnavailableException($"Redis at {_connection.Endpoint} is unavailable: no connected cluster node described the cluster (CLUSTER NODES).");
        }

        var owners = nodes.Nodes.Where(static node => !node.IsReplica && node.Slots.Count > 0).ToList();
        var covered = owners.Where(static node => !node.IsFail && !node.IsPossiblyFail).Sum(static node => node.Slots.Sum(static range => range.To - range.From + 1));
        if (covered < ClusterSlots)
        {
            throw new StateStoreUnavailableException($"The cluster serves {covered} of its {ClusterSlots} hash slots from primaries it does not mark failing (CLUSTER NODES from {any.EndPoint}).");
        }

        return [.. owners.Select(node => ServerAt(multiplexer, node))];
    }

    private static IServer ServerAt(IConnectionMultiplexer multiplexer, ClusterNode node)
    {
        try
        {
            return multiplexer.GetServer(node.EndPoint ?? throw new StateStoreUnavailableException($"The cluster lists primary {node.NodeId} without an address."));
        }
        catch (ArgumentException ex)
        {
            throw new StateStoreUnavailableException($"The cluster's primary {node.EndPoint} is not one this process knows yet.", ex);
        }
    }

    private StateStoreUnavailableException Record(string operation, StateStoreUnavailableException error)
    {
        _metrics.RecordError(operation, error);
        return error;
    }

    /// <summary>One settle of a batch: the budget, the amount to add (negative refunds) and the window.</summary>
    private readonly record struct PendingSettle(string Key, long Delta, long WindowMs);
}
