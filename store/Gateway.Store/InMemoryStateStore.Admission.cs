namespace Gateway.Store;

// The embedded store's admissions, rate-limit windows, counters, budgets and decision-token records (IAdmissionStore).
public sealed partial class InMemoryStateStore
{
    // AcquireLocked's slots (under the lock).
    private readonly List<(string SlotKey, TimeSpan ResetsIn)> _windowSlots = new(4);

    public ValueTask<AdmissionOutcome> AdmitAsync(AdmissionRequest request, CancellationToken cancellationToken = default)
    {
        ThrowIfInvalid(request);
        cancellationToken.ThrowIfCancellationRequested();
        AdmissionOutcome outcome;
        long sequence = 0;
        lock (_gate)
        {
            var now = Now;
            Sweep(now);
            outcome = AdmitLocked(request, now, ref sequence);
        }

        return Durable(sequence, outcome);
    }

    private static void ThrowIfInvalid(AdmissionRequest request)
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
        request.ThrowIfInvalidReservations();
    }

    // The admission's one step (under the lock): a replay changes nothing (sequence unchanged then).
    private AdmissionOutcome AdmitLocked(AdmissionRequest request, DateTimeOffset now, ref long sequence)
    {
        var nonce = DigestRecords.Of(request.NonceKey);
        if (TryGetLiveOrDigest(request.NonceKey, nonce, now, out _, out _))
        {
            return new AdmissionOutcome(false, 0, RateLimitOutcome.Admit);
        }

        sequence = PutAdmissionText(request.NonceKey, nonce, request.NonceValue, now + request.NonceLifetime);
        var switches = 0u;
        for (var i = 0; i < request.SwitchKeys.Count; i++)
        {
            if (TryGetLive(request.SwitchKeys[i], now, out _))
            {
                switches |= 1u << i;
            }
        }

        if (request.StoppedBy(switches))
        {
            // Refused by its switches: nothing acquired, reserved or recorded (the nonce stays spent).
            return new AdmissionOutcome(true, switches, RateLimitOutcome.Admit);
        }

        var rateLimit = AcquireLocked(request.Windows, now, ref sequence);

        // Counted in the same step, only when every window admitted; the budget reserved only when the counters were
        // too; the token recorded only when the budget was too.
        var counted = rateLimit.Admitted && request.Counters.Count > 0 ? ReserveCountersLocked(request.Counters, now, ref sequence) : null;
        var admitted = rateLimit.Admitted && counted is not { Reserved: false };
        BudgetOutcome? reserved = admitted && request.Budget is { } asked ? TryReserveLocked(asked.Key, asked.Amount, asked.Limit, asked.Window, now, ref sequence) : null;
        return new AdmissionOutcome(true, switches, rateLimit)
        {
            Counters = counted,
            Budget = reserved,
            Token = admitted && reserved is not { Reserved: false } && request.Token is { } token ? RecordTokenLocked(token, request.NonceKey, now, ref sequence) : null,
        };
    }

    // Every amount added when every counter stays within its limit, else none; a counter refused an amount its limit could
    // hold is marked exhausted with that limit for its lifetime (StoreKeys.CounterExhausted), as the Redis script marks it.
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
            if (counters[refused] is { Limit: { } held } full && full.Amount <= held)
            {
                var mark = StoreKeys.CounterExhausted(full.Key);
                var expiresAt = now + full.Lifetime;
                Put(mark, new Entry(held, expiresAt));
                sequence = Journal(StateJournalOperation.PutCounter, mark, expiresAt, number: held);
            }

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
        AdmissionRequest.ThrowIfInvalidAmount(amount, nameof(amount));
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
        var (slotKey, resetsIn, slot) = WindowSlot(key, window, now);
        var used = TryGetLive(slotKey, now, out var entry) ? (long)entry.Value! : 0;
        if (used + amount > limit)
        {
            return new BudgetOutcome(false, used, limit, resetsIn, slot);
        }

        used = AddLocked(slotKey, amount, resetsIn, now, out sequence);
        return new BudgetOutcome(true, used, limit, resetsIn, slot);
    }

    public ValueTask<long> SettleAsync(string key, long reserved, long actual, TimeSpan window, long slot, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        long used;
        long sequence = 0;
        lock (_gate)
        {
            used = SettleLocked(key, actual - reserved, window, slot, Now, ref sequence);
        }

        return Durable(sequence, used);
    }

    // Adds delta to the reservation's slot while it is the window's current one, never below zero; returns the used amount.
    // Once that slot has ended (or, the clock set back, before it began) nothing changes, the current slot least of all:
    // -1, sequence unchanged.
    private long SettleLocked(string key, long delta, TimeSpan window, long reservedIn, DateTimeOffset now, ref long sequence)
    {
        var (slotKey, resetsIn, slot) = WindowSlot(key, window, now);
        if (slot != reservedIn)
        {
            return -1;
        }

        var used = AddLocked(slotKey, delta, resetsIn, now, out sequence);
        if (used < 0)
        {
            var cleared = _entries[slotKey] with { Value = 0L };
            Put(slotKey, cleared);
            used = 0;
            sequence = Journal(StateJournalOperation.PutCounter, slotKey, cleared.ExpiresAt, number: 0);
        }

        return used;
    }

    private RateLimitOutcome AcquireLocked(IReadOnlyList<RateLimitWindow> windows, DateTimeOffset now, ref long sequence)
    {
        // Each window's slot worked out once, for the check and then the count (the scratch list is the lock holder's).
        // A slot two windows name counts the permits of both, each window checked against what the windows before it
        // added there, as the Redis script adds then checks in order: both stores refuse the same request.
        var slots = _windowSlots;
        slots.Clear();
        for (var i = 0; i < windows.Count; i++)
        {
            var w = windows[i];
            var (slotKey, resetsIn, _) = WindowSlot(w.Key, w.Window, now);
            var used = TryGetLive(slotKey, now, out var entry) ? (long)entry.Value! : 0;
            for (var j = 0; j < i; j++)
            {
                if (string.Equals(slots[j].SlotKey, slotKey, StringComparison.Ordinal))
                {
                    used += windows[j].Permits;
                }
            }

            if (used + w.Permits > w.Limit)
            {
                slots.Clear();
                return new RateLimitOutcome(false, i, resetsIn);
            }

            slots.Add((slotKey, resetsIn));
        }

        for (var i = 0; i < windows.Count; i++)
        {
            AddLocked(slots[i].SlotKey, windows[i].Permits, slots[i].ResetsIn, now, out sequence);
        }

        slots.Clear();
        return RateLimitOutcome.Admit;
    }

    private static (string SlotKey, TimeSpan ResetsIn, long Slot) WindowSlot(string key, TimeSpan window, DateTimeOffset now)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(window, TimeSpan.Zero);
        var windowMs = (long)window.TotalMilliseconds;
        var nowMs = now.ToUnixTimeMilliseconds();
        var slot = nowMs / windowMs;
        var resetsIn = TimeSpan.FromMilliseconds(((slot + 1) * windowMs) - nowMs);
        return ($"{key}:{slot}", resetsIn, slot);
    }

    // The admission's token step (TokenRecording): the record written, the generations read, a presented token used up.
    // A record that is the nonce's (the gateway's) was just stored with it: nothing more to write.
    private TokenRecordingOutcome RecordTokenLocked(TokenRecording token, string nonceKey, DateTimeOffset now, ref long sequence)
    {
        if (!string.Equals(token.RecordKey, nonceKey, StringComparison.Ordinal))
        {
            var recorded = DigestRecords.Of(token.RecordKey);
            if (!TryGetLiveOrDigest(token.RecordKey, recorded, now, out _, out _))
            {
                sequence = PutAdmissionText(token.RecordKey, recorded, TokenRecording.Issued, now + token.Lifetime);
            }
        }

        var generations = new long[token.GenerationKeys.Count];
        for (var i = 0; i < generations.Length; i++)
        {
            generations[i] = TryGetLive(token.GenerationKeys[i], now, out var counter) && counter.Value is long value ? value : 0;
        }

        var consumption = token.ConsumeKey is { } consume ? ConsumeTokenLocked(consume, now, ref sequence) : TokenConsumption.NotAsked;
        return new TokenRecordingOutcome(generations, consumption);
    }

    public ValueTask<TokenConsumption> ConsumeTokenAsync(string recordKey, IReadOnlyList<KeyValuePair<string, string?>>? unchanged = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(recordKey);
        cancellationToken.ThrowIfCancellationRequested();
        long sequence = 0;
        TokenConsumption consumption;
        lock (_gate)
        {
            var now = Now;
            consumption = unchanged is not null && !HoldsLocked(unchanged, now) ? TokenConsumption.Changed : ConsumeTokenLocked(recordKey, now, ref sequence);
        }

        return Durable(sequence, consumption);
    }

    // True while every key holds the value given (null: absent), read as GetManyAsync reads it.
    private bool HoldsLocked(IReadOnlyList<KeyValuePair<string, string?>> unchanged, DateTimeOffset now)
    {
        foreach (var (key, expected) in unchanged)
        {
            var held = TryGetLiveOrDigest(key, now, out var entry) ? TextOf(entry) : null;
            if (!string.Equals(held, expected, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    // A token's record set from issued to used, keeping its expiry (TokenRecording.ConsumeKey, ConsumeTokenAsync).
    private TokenConsumption ConsumeTokenLocked(string consume, DateTimeOffset now, ref long sequence)
    {
        var consumed = DigestRecords.Of(consume);
        var held = TryGetLiveOrDigest(consume, consumed, now, out var record, out var asEntry);
        var consumption = !held ? TokenConsumption.NotRecorded
            : record.Value is TokenRecording.Used ? TokenConsumption.AlreadyUsed
            : record.Value is TokenRecording.Issued ? TokenConsumption.Consumed
            : TokenConsumption.NotRecorded;
        if (consumption == TokenConsumption.Consumed && asEntry)
        {
            Put(consume, record with { Value = TokenRecording.Used });
            sequence = Journal(StateJournalOperation.PutText, consume, record.ExpiresAt, text: TokenRecording.Used);
        }
        else if (consumption == TokenConsumption.Consumed)
        {
            sequence = PutAdmissionText(consume, consumed, TokenRecording.Used, record.ExpiresAt!.Value);
        }

        return consumption;
    }
}
