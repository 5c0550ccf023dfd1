using System.Collections.Concurrent;
using System.Text;

namespace Gateway.Store;

/// <summary>
/// The embedded store: one process, everything under one lock per operation so that each call is atomic
/// exactly as its Redis counterpart is. Expiry uses <see cref="TimeProvider"/>. Opened with
/// <see cref="OpenDurable"/> every change is also written to a <see cref="StateJournal"/> and fsynced before
/// the call returns, so nonces, kill switches, single-use warrants, approvals, rate-limit windows and budgets
/// survive a restart (a replayed request stays refused); without it (tests, tools) nothing is persisted.
/// </summary>
public sealed class InMemoryStateStore : IStateStore, IDisposable
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    // Every expiry set, soonest first, so that a sweep touches only what has expired (a key rewritten with
    // another expiry is queued again; the stale item is skipped when it comes up).
    private readonly PriorityQueue<string, DateTimeOffset> _expiries = new();
    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private StateJournal? _journal;

    public InMemoryStateStore(TimeProvider? timeProvider = null)
    {
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>
    /// A store whose state lives in <paramref name="directory"/>'s journal: replayed now, compacted to what is
    /// still live, and appended to (fsynced per group of concurrent changes) from now on.
    /// </summary>
    /// <exception cref="StateStoreUnavailableException">The journal cannot be opened (or another process holds it).</exception>
    public static InMemoryStateStore OpenDurable(string directory, TimeProvider? timeProvider = null, long compactionThresholdBytes = 64L * 1024 * 1024)
    {
        var store = new InMemoryStateStore(timeProvider);
        store._journal = StateJournal.Open(directory, store.Replay, compactionThresholdBytes);
        store.Compact(force: true);
        return store;
    }

    /// <summary>How many keys are held, expired ones not yet swept included (for tests).</summary>
    internal int KeyCount => _entries.Count;

    /// <summary>The journal's path, or null when nothing is persisted.</summary>
    public string? JournalPath => _journal?.Path;

    public void Dispose() => _journal?.Dispose();

    public ValueTask<bool> TrySetIfAbsentAsync(string key, string value, TimeSpan expiry, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        long sequence;
        lock (_gate)
        {
            var now = Now;
            Sweep(now);
            if (TryGetLive(key, now, out _))
            {
                return ValueTask.FromResult(false);
            }

            Put(key, new Entry(value, now + expiry));
            sequence = Journal(StateJournalOperation.PutText, key, now + expiry, text: value);
        }

        return Durable(sequence, true);
    }

    public ValueTask<string?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            return ValueTask.FromResult(TryGetLive(key, Now, out var entry) ? TextOf(entry) : null);
        }
    }

    public ValueTask<IReadOnlyList<string?>> GetManyAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keys);
        cancellationToken.ThrowIfCancellationRequested();
        var values = new string?[keys.Count];
        lock (_gate)
        {
            var now = Now;
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = TryGetLive(keys[i], now, out var entry) ? TextOf(entry) : null;
            }
        }

        return ValueTask.FromResult<IReadOnlyList<string?>>(values);
    }

    public ValueTask SetAsync(string key, string value, TimeSpan? expiry, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        long sequence;
        lock (_gate)
        {
            var now = Now;
            var expiresAt = expiry is { } e ? now + e : (DateTimeOffset?)null;
            Put(key, new Entry(value, expiresAt));
            sequence = Journal(StateJournalOperation.PutText, key, expiresAt, text: value);
        }

        return sequence == 0 ? ValueTask.CompletedTask : DurableAsync(sequence);
    }

    public ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        bool existed;
        long sequence = 0;
        lock (_gate)
        {
            existed = TryGetLive(key, Now, out _);
            if (_entries.TryRemove(key, out _))
            {
                sequence = Journal(StateJournalOperation.Delete, key, null);
            }
        }

        return Durable(sequence, existed);
    }

    public ValueTask<string?> TakeAsync(string key, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        string? value;
        long sequence = 0;
        lock (_gate)
        {
            value = TryGetLive(key, Now, out var entry) ? entry.Value as string : null;
            if (_entries.TryRemove(key, out _))
            {
                sequence = Journal(StateJournalOperation.Delete, key, null);
            }
        }

        return Durable(sequence, value);
    }

    public ValueTask<long> IncrementAsync(string key, long delta, TimeSpan? expiry, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        long value;
        long sequence;
        lock (_gate)
        {
            value = AddLocked(key, delta, expiry, Now, out sequence);
        }

        return Durable(sequence, value);
    }

    public ValueTask<AdmissionOutcome> AdmitAsync(AdmissionRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.SwitchKeys.Count > AdmissionRequest.MaxSwitchKeys)
        {
            throw new ArgumentException($"At most {AdmissionRequest.MaxSwitchKeys} kill-switch keys per admission.", nameof(request));
        }

        if (request.Budget is { } budget)
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(budget.Window, TimeSpan.Zero, nameof(request));
        }

        request.Token?.ThrowIfInvalid();
        request.ThrowIfInvalidCounters();
        cancellationToken.ThrowIfCancellationRequested();
        AdmissionOutcome outcome;
        long sequence;
        lock (_gate)
        {
            var now = Now;
            Sweep(now);
            if (TryGetLive(request.NonceKey, now, out _))
            {
                return ValueTask.FromResult(new AdmissionOutcome(false, 0, RateLimitOutcome.Admit));
            }

            Put(request.NonceKey, new Entry(request.NonceValue, now + request.NonceLifetime));
            sequence = Journal(StateJournalOperation.PutText, request.NonceKey, now + request.NonceLifetime, text: request.NonceValue);
            var switches = 0u;
            for (var i = 0; i < request.SwitchKeys.Count; i++)
            {
                if (TryGetLive(request.SwitchKeys[i], now, out _))
                {
                    switches |= 1u << i;
                }
            }

            var rateLimit = AcquireLocked(request.Windows, now, ref sequence);

            // Counted in the same step, only when every window admitted; the budget reserved only when the counters were
            // too; the token recorded only when the budget was too.
            var counted = rateLimit.Admitted && request.Counters.Count > 0 ? ReserveCountersLocked(request.Counters, now, ref sequence) : null;
            var admitted = rateLimit.Admitted && counted is not { Reserved: false };
            BudgetOutcome? reserved = admitted && request.Budget is { } asked ? TryReserveLocked(asked.Key, asked.Amount, asked.Limit, asked.Window, now, ref sequence) : null;
            outcome = new AdmissionOutcome(true, switches, rateLimit)
            {
                Counters = counted,
                Budget = reserved,
                Token = admitted && reserved is not { Reserved: false } && request.Token is { } token ? RecordTokenLocked(token, now, ref sequence) : null,
            };
        }

        return Durable(sequence, outcome);
    }

    // Every amount added when every counter stays within its limit, else none (sequence unchanged then).
    private CounterOutcome ReserveCountersLocked(IReadOnlyList<CounterReservation> counters, DateTimeOffset now, ref long sequence)
    {
        var values = new long[counters.Count];
        var refused = -1;
        for (var i = 0; i < counters.Count; i++)
        {
            values[i] = TryGetLive(counters[i].Key, now, out var entry) ? (long)entry.Value! : 0;
            if (refused < 0 && counters[i].Limit is { } limit && values[i] + counters[i].Amount > limit)
            {
                refused = i;
            }
        }

        if (refused >= 0)
        {
            return new CounterOutcome(refused, values);
        }

        for (var i = 0; i < counters.Count; i++)
        {
            values[i] = AddLocked(counters[i].Key, counters[i].Amount, counters[i].Lifetime, now, out sequence);
        }

        return new CounterOutcome(-1, values);
    }

    public ValueTask<IReadOnlyList<long?>> AdjustCountersAsync(IReadOnlyList<CounterAdjustment> adjustments, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(adjustments);
        cancellationToken.ThrowIfCancellationRequested();
        var values = new long?[adjustments.Count];
        long sequence = 0;
        lock (_gate)
        {
            var now = Now;
            for (var i = 0; i < values.Length; i++)
            {
                var (key, delta) = adjustments[i];
                if (!TryGetLive(key, now, out var entry) || entry.Value is not long value)
                {
                    continue;
                }

                var adjusted = Math.Max(0, value + delta);
                Put(key, entry with { Value = adjusted });
                sequence = Journal(StateJournalOperation.PutCounter, key, entry.ExpiresAt, number: adjusted);
                values[i] = adjusted;
            }
        }

        return Durable(sequence, (IReadOnlyList<long?>)values);
    }

    public ValueTask<BudgetOutcome> TryReserveAsync(string key, long amount, long limit, TimeSpan window, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        BudgetOutcome outcome;
        long sequence = 0;
        lock (_gate)
        {
            outcome = TryReserveLocked(key, amount, limit, window, Now, ref sequence);
        }

        return Durable(sequence, outcome);
    }

    // The whole amount in the window's current slot, or nothing (sequence unchanged then).
    private BudgetOutcome TryReserveLocked(string key, long amount, long limit, TimeSpan window, DateTimeOffset now, ref long sequence)
    {
        var (slotKey, resetsIn) = WindowSlot(key, window, now);
        var used = TryGetLive(slotKey, now, out var entry) ? (long)entry.Value! : 0;
        if (used + amount > limit)
        {
            return new BudgetOutcome(false, used, limit, resetsIn);
        }

        used = AddLocked(slotKey, amount, resetsIn, now, out sequence);
        return new BudgetOutcome(true, used, limit, resetsIn);
    }

    public ValueTask<long> SettleAsync(string key, long reserved, long actual, TimeSpan window, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        long used;
        long sequence;
        lock (_gate)
        {
            var now = Now;
            var (slotKey, resetsIn) = WindowSlot(key, window, now);
            used = AddLocked(slotKey, actual - reserved, resetsIn, now, out sequence);
            if (used < 0)
            {
                var cleared = _entries[slotKey] with { Value = 0L };
                Put(slotKey, cleared);
                used = 0;
                sequence = Journal(StateJournalOperation.PutCounter, slotKey, cleared.ExpiresAt, number: 0);
            }
        }

        return Durable(sequence, used);
    }

    public ValueTask<long> SetAddAsync(string key, string member, TimeSpan? expiry, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        long count;
        long sequence;
        lock (_gate)
        {
            var now = Now;
            if (!TryGetLive(key, now, out var entry) || entry.Value is not HashSet<string> set)
            {
                set = new HashSet<string>(StringComparer.Ordinal);
                entry = new Entry(set, expiry is { } e ? now + e : null);
                Put(key, entry);
            }

            set.Add(member);
            count = set.Count;
            sequence = Journal(StateJournalOperation.AddMember, key, entry.ExpiresAt, text: member);
        }

        return Durable(sequence, count);
    }

    public ValueTask<IReadOnlyList<string>> SetMembersAsync(string key, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            IReadOnlyList<string> members = TryGetLive(key, Now, out var entry) && entry.Value is HashSet<string> set
                ? [.. set.Order(StringComparer.Ordinal)]
                : [];
            return ValueTask.FromResult(members);
        }
    }

    public ValueTask<bool> TryAppendAsync(string logKey, long expectedLength, string entry, CancellationToken cancellationToken = default) =>
        TryAppend(logKey, expectedLength, [entry], cancellationToken);

    public ValueTask<bool> TryAppendAsync(string logKey, long expectedLength, IReadOnlyList<byte[]> entries, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entries);
        return TryAppend(logKey, expectedLength, [.. entries.Select(static entry => Encoding.UTF8.GetString(entry))], cancellationToken);
    }

    public ValueTask<bool> TryAppendAsync(string logKey, long expectedLength, IReadOnlyList<byte[]> entries, string hashKey, IReadOnlyList<KeyValuePair<string, byte[]>> fields, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entries);
        ArgumentNullException.ThrowIfNull(hashKey);
        ArgumentNullException.ThrowIfNull(fields);
        return TryAppend(logKey, expectedLength, [.. entries.Select(static entry => Encoding.UTF8.GetString(entry))], cancellationToken, hashKey, fields);
    }

    public ValueTask<bool> TryAppendAsync(string logKey, long expectedLength, IReadOnlyList<byte[]> entries, string? hashKey, IReadOnlyList<KeyValuePair<string, byte[]>> fields, string companionLogKey, IReadOnlyList<byte[]> companionEntries, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entries);
        ArgumentNullException.ThrowIfNull(fields);
        ArgumentNullException.ThrowIfNull(companionLogKey);
        ArgumentNullException.ThrowIfNull(companionEntries);
        return TryAppend(logKey, expectedLength, [.. entries.Select(static entry => Encoding.UTF8.GetString(entry))], cancellationToken, hashKey, fields, companionLogKey, [.. companionEntries.Select(static entry => Encoding.UTF8.GetString(entry))]);
    }

    public ValueTask<string?> HashGetAsync(string hashKey, string field, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            return ValueTask.FromResult(GetHash(hashKey, create: false)?.GetValueOrDefault(field));
        }
    }

    public ValueTask<long> HashLengthAsync(string hashKey, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            return ValueTask.FromResult((long)(GetHash(hashKey, create: false)?.Count ?? 0));
        }
    }

    // The hash's fields are journalled before the log's entries: a crash between them keeps fields no entry refers to, never the reverse.
    private ValueTask<bool> TryAppend(string logKey, long expectedLength, string[] entries, CancellationToken cancellationToken, string? hashKey = null, IReadOnlyList<KeyValuePair<string, byte[]>>? fields = null, string? companionLogKey = null, string[]? companionEntries = null)
    {
        ArgumentOutOfRangeException.ThrowIfZero(entries.Length);
        cancellationToken.ThrowIfCancellationRequested();
        long sequence;
        lock (_gate)
        {
            var log = GetLog(logKey, create: true)!;
            if (log.Count != expectedLength)
            {
                return ValueTask.FromResult(false);
            }

            if (fields is { Count: > 0 })
            {
                var hash = GetHash(hashKey!, create: true)!;
                foreach (var (field, value) in fields)
                {
                    var text = Encoding.UTF8.GetString(value);
                    if (hash.TryAdd(field, text))
                    {
                        Journal(StateJournalOperation.PutField, hashKey!, null, text: text, field: field);
                    }
                }
            }

            if (companionEntries is { Length: > 0 })
            {
                GetLog(companionLogKey!, create: true)!.AddRange(companionEntries);
                Journal(StateJournalOperation.AppendLog, companionLogKey!, null, entries: companionEntries);
            }

            log.AddRange(entries);
            sequence = Journal(StateJournalOperation.AppendLog, logKey, null, entries: entries);
        }

        return Durable(sequence, true);
    }

    public ValueTask<long> LogLengthAsync(string logKey, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            return ValueTask.FromResult((long)(GetLog(logKey, create: false)?.Count ?? 0));
        }
    }

    public ValueTask<IReadOnlyList<string>> ReadLogAsync(string logKey, long start, int count, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            var log = GetLog(logKey, create: false);
            if (log is null || start >= log.Count)
            {
                return ValueTask.FromResult<IReadOnlyList<string>>([]);
            }

            var take = (int)Math.Min(count, log.Count - start);
            return ValueTask.FromResult<IReadOnlyList<string>>(log.GetRange((int)start, take));
        }
    }

    public ValueTask PingAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        _journal?.ThrowIfFailed();
        return ValueTask.CompletedTask;
    }

    private DateTimeOffset Now => _time.GetUtcNow();

    private RateLimitOutcome AcquireLocked(IReadOnlyList<RateLimitWindow> windows, DateTimeOffset now, ref long sequence)
    {
        for (var i = 0; i < windows.Count; i++)
        {
            var w = windows[i];
            var (slotKey, resetsIn) = WindowSlot(w.Key, w.Window, now);
            var used = TryGetLive(slotKey, now, out var entry) ? (long)entry.Value! : 0;
            if (used + w.Permits > w.Limit)
            {
                return new RateLimitOutcome(false, i, resetsIn);
            }
        }

        foreach (var w in windows)
        {
            var (slotKey, resetsIn) = WindowSlot(w.Key, w.Window, now);
            AddLocked(slotKey, w.Permits, resetsIn, now, out sequence);
        }

        return RateLimitOutcome.Admit;
    }

    private static (string SlotKey, TimeSpan ResetsIn) WindowSlot(string key, TimeSpan window, DateTimeOffset now)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(window, TimeSpan.Zero);
        var windowMs = (long)window.TotalMilliseconds;
        var nowMs = now.ToUnixTimeMilliseconds();
        var slot = nowMs / windowMs;
        var resetsIn = TimeSpan.FromMilliseconds(((slot + 1) * windowMs) - nowMs);
        return ($"{key}:{slot}", resetsIn);
    }

    private List<string>? GetLog(string logKey, bool create)
    {
        if (_entries.TryGetValue(logKey, out var entry) && entry.Value is List<string> log)
        {
            return log;
        }

        if (!create)
        {
            return null;
        }

        log = [];
        Put(logKey, new Entry(log, null));
        return log;
    }

    private Dictionary<string, string>? GetHash(string hashKey, bool create)
    {
        if (_entries.TryGetValue(hashKey, out var entry) && entry.Value is Dictionary<string, string> hash)
        {
            return hash;
        }

        if (!create)
        {
            return null;
        }

        hash = new Dictionary<string, string>(StringComparer.Ordinal);
        Put(hashKey, new Entry(hash, null));
        return hash;
    }

    // The admission's token step (TokenRecording): the record written, the generations read, a presented token used up.
    private TokenRecordingOutcome RecordTokenLocked(TokenRecording token, DateTimeOffset now, ref long sequence)
    {
        var expires = now + token.Lifetime;
        if (!TryGetLive(token.RecordKey, now, out _))
        {
            Put(token.RecordKey, new Entry(TokenRecording.Issued, expires));
            sequence = Journal(StateJournalOperation.PutText, token.RecordKey, expires, text: TokenRecording.Issued);
        }

        var generations = new long[token.GenerationKeys.Count];
        for (var i = 0; i < generations.Length; i++)
        {
            generations[i] = TryGetLive(token.GenerationKeys[i], now, out var counter) && counter.Value is long value ? value : 0;
        }

        var consumption = TokenConsumption.NotAsked;
        if (token.ConsumeKey is { } consume)
        {
            consumption = !TryGetLive(consume, now, out var record) ? TokenConsumption.NotRecorded
                : record.Value is TokenRecording.Used ? TokenConsumption.AlreadyUsed
                : record.Value is TokenRecording.Issued ? TokenConsumption.Consumed
                : TokenConsumption.NotRecorded;
            if (consumption == TokenConsumption.Consumed)
            {
                Put(consume, record with { Value = TokenRecording.Used });
                sequence = Journal(StateJournalOperation.PutText, consume, record.ExpiresAt, text: TokenRecording.Used);
            }
        }

        return new TokenRecordingOutcome(generations, consumption);
    }

    // A key's value as Redis would answer GET: text as stored, a counter as its decimal text.
    private static string? TextOf(Entry entry) => entry.Value switch
    {
        string text => text,
        long number => number.ToString(System.Globalization.CultureInfo.InvariantCulture),
        _ => null,
    };

    private long AddLocked(string key, long delta, TimeSpan? expiry, DateTimeOffset now, out long sequence)
    {
        if (!TryGetLive(key, now, out var entry))
        {
            entry = new Entry(0L, expiry is { } e ? now + e : null);
        }

        var value = (long)entry.Value + delta;
        Put(key, entry with { Value = value });
        sequence = Journal(StateJournalOperation.PutCounter, key, entry.ExpiresAt, number: value);
        return value;
    }

    /// <summary>Appends a change to the journal (under the lock, so in the order the changes were made); 0 without one.</summary>
    private long Journal(StateJournalOperation operation, string key, DateTimeOffset? expiresAt, string? text = null, long number = 0, IReadOnlyList<string>? entries = null, string? field = null) =>
        _journal?.Append(operation, key, expiresAt, text, number, entries, field) ?? 0;

    /// <summary>The result once the change it follows is durable (at once without a journal).</summary>
    private ValueTask<T> Durable<T>(long sequence, T result) =>
        sequence == 0 ? ValueTask.FromResult(result) : AwaitDurableAsync(sequence, result);

    private async ValueTask<T> AwaitDurableAsync<T>(long sequence, T result)
    {
        await DurableAsync(sequence).ConfigureAwait(false);
        return result;
    }

    /// <summary>Completes once the change is durable; compacts the journal when it has grown.</summary>
    private async ValueTask DurableAsync(long sequence)
    {
        await _journal!.WaitDurableAsync(sequence).ConfigureAwait(false);
        if (_journal.NeedsCompaction)
        {
            Compact(force: false);
        }
    }

    /// <summary>Rewrites the journal as the live state (under the lock: no change is made meanwhile).</summary>
    private void Compact(bool force)
    {
        lock (_gate)
        {
            if (_journal is null || (!force && !_journal.NeedsCompaction))
            {
                return;
            }

            var now = Now;
            var snapshot = new StateJournalSnapshot();
            foreach (var (key, entry) in _entries)
            {
                if (entry.ExpiresAt is { } at && at <= now)
                {
                    continue;
                }

                switch (entry.Value)
                {
                    case string text:
                        snapshot.PutText(key, text, entry.ExpiresAt);
                        break;
                    case long number:
                        snapshot.PutCounter(key, number, entry.ExpiresAt);
                        break;
                    case HashSet<string> set:
                        foreach (var member in set)
                        {
                            snapshot.AddMember(key, member, entry.ExpiresAt);
                        }

                        break;
                    case List<string> log:
                        snapshot.AppendLog(key, log);
                        break;
                    case Dictionary<string, string> hash:
                        foreach (var (field, value) in hash)
                        {
                            snapshot.PutField(key, field, value);
                        }

                        break;
                    default:
                        throw new InvalidOperationException("An embedded store entry of an unknown kind.");
                }
            }

            _journal.Rebase(snapshot);
        }
    }

    /// <summary>Applies one journal record at start (before any caller can see the store).</summary>
    private void Replay(StateJournalReader record)
    {
        switch (record.Operation)
        {
            case StateJournalOperation.PutText:
                Put(record.Key, new Entry(record.Text(), record.ExpiresAt));
                break;
            case StateJournalOperation.Delete:
                _entries.TryRemove(record.Key, out _);
                break;
            case StateJournalOperation.PutCounter:
                Put(record.Key, new Entry(record.Number(), record.ExpiresAt));
                break;
            case StateJournalOperation.AddMember:
                if (!_entries.TryGetValue(record.Key, out var entry) || entry.Value is not HashSet<string> set || entry.ExpiresAt != record.ExpiresAt)
                {
                    // A set re-created after its predecessor expired carries a new expiry.
                    set = new HashSet<string>(StringComparer.Ordinal);
                    Put(record.Key, new Entry(set, record.ExpiresAt));
                }

                set.Add(record.Text());
                break;
            case StateJournalOperation.AppendLog:
                GetLog(record.Key, create: true)!.AddRange(record.Entries());
                break;
            case StateJournalOperation.PutField:
                GetHash(record.Key, create: true)!.TryAdd(record.Field(), record.Text());
                break;
            default:
                throw new StateStoreUnavailableException($"The embedded store's journal holds an unknown operation {(byte)record.Operation}.");
        }
    }

    private bool TryGetLive(string key, DateTimeOffset now, out Entry entry)
    {
        if (_entries.TryGetValue(key, out entry!) && (entry.ExpiresAt is null || entry.ExpiresAt > now))
        {
            return true;
        }

        if (entry is not null)
        {
            _entries.TryRemove(key, out _);
        }

        entry = null!;
        return false;
    }

    // Clean-up of expired keys in expiry order, so that nonces do not accumulate for ever and a sweep costs
    // what has expired, not what is stored.
    private void Sweep(DateTimeOffset now)
    {
        while (_expiries.TryPeek(out var key, out var at) && at <= now)
        {
            _expiries.Dequeue();
            if (_entries.TryGetValue(key, out var entry) && entry.ExpiresAt is { } expiresAt && expiresAt <= now)
            {
                _entries.TryRemove(key, out _);
            }
        }
    }

    /// <summary>Writes an entry (under the lock), queueing its expiry when that is new.</summary>
    private void Put(string key, Entry entry)
    {
        var previous = _entries.TryGetValue(key, out var existing) ? existing.ExpiresAt : null;
        _entries[key] = entry;
        if (entry.ExpiresAt is { } at && at != previous)
        {
            _expiries.Enqueue(key, at);
        }
    }

    private sealed record Entry(object Value, DateTimeOffset? ExpiresAt);
}
