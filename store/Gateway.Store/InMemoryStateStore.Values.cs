namespace Gateway.Store;

// The embedded store's keys, values, counters and sets (IKeyValueStore).
public sealed partial class InMemoryStateStore
{
    public ValueTask<bool> TrySetIfAbsentAsync(string key, string value, TimeSpan? expiry, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        long sequence;
        lock (_gate)
        {
            var now = Now;
            Sweep(now);
            if (TryGetLiveOrDigest(key, now, out _))
            {
                return ValueTask.FromResult(false);
            }

            var expiresAt = expiry is { } e ? now + e : (DateTimeOffset?)null;
            Put(key, new Entry(value, expiresAt));
            sequence = Journal(StateJournalOperation.PutText, key, expiresAt, text: value);
        }

        return Durable(sequence, true);
    }

    public ValueTask<string?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            return ValueTask.FromResult(TryGetLiveOrDigest(key, Now, out var entry) ? TextOf(entry) : null);
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
                values[i] = TryGetLiveOrDigest(keys[i], now, out var entry) ? TextOf(entry) : null;
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
            ForgetDigest(key);
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
            existed = TryGetLiveOrDigest(key, Now, out _);
            if (_entries.TryRemove(key, out _) | ForgetDigest(key))
            {
                sequence = Journal(StateJournalOperation.Delete, key, null);
            }
        }

        return Durable(sequence, existed);
    }

    public ValueTask<bool> ReplaceIfEqualAsync(string key, string expected, string value, TimeSpan? expiry, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        long sequence;
        lock (_gate)
        {
            var now = Now;
            if (!TryGetLiveOrDigest(key, now, out var entry) || !string.Equals(TextOf(entry), expected, StringComparison.Ordinal))
            {
                return ValueTask.FromResult(false);
            }

            var expiresAt = expiry is { } e ? now + e : (DateTimeOffset?)null;
            ForgetDigest(key);
            Put(key, new Entry(value, expiresAt));
            sequence = Journal(StateJournalOperation.PutText, key, expiresAt, text: value);
        }

        return Durable(sequence, true);
    }

    public ValueTask<bool> DeleteIfEqualAsync(string key, string expected, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        long sequence = 0;
        lock (_gate)
        {
            if (!TryGetLiveOrDigest(key, Now, out var entry) || !string.Equals(TextOf(entry), expected, StringComparison.Ordinal))
            {
                return ValueTask.FromResult(false);
            }

            if (_entries.TryRemove(key, out _) | ForgetDigest(key))
            {
                sequence = Journal(StateJournalOperation.Delete, key, null);
            }
        }

        return Durable(sequence, true);
    }

    public ValueTask<string?> TakeAsync(string key, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        string? value;
        long sequence = 0;
        lock (_gate)
        {
            value = TryGetLiveOrDigest(key, Now, out var entry) ? entry.Value as string : null;
            if (_entries.TryRemove(key, out _) | ForgetDigest(key))
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

    public ValueTask<long> SetAddAsync(string key, string member, TimeSpan? expiry, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        long count;
        long sequence;
        lock (_gate)
        {
            var now = Now;
            var expiresAt = expiry is { } e ? now + e : (DateTimeOffset?)null;
            var operation = StateJournalOperation.AddMember;
            if (!TryGetLive(key, now, out var entry) || entry.Value is not HashSet<string> set)
            {
                set = new HashSet<string>(StringComparer.Ordinal);
                entry = new Entry(set, expiresAt);
                Put(key, entry);
            }
            else if (entry.ExpiresAt is { } current && (expiresAt is null || expiresAt > current))
            {
                // The set lives at least as long as this add asks, never less: a later expiry (or none) extends it.
                entry = entry with { ExpiresAt = expiresAt };
                Put(key, entry);
                operation = StateJournalOperation.AddMemberExtending;
            }

            set.Add(member);
            count = set.Count;
            sequence = Journal(operation, key, entry.ExpiresAt, text: member);
        }

        return Durable(sequence, count);
    }

    public ValueTask<bool> SetRemoveAsync(string key, string member, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        long sequence;
        lock (_gate)
        {
            if (!TryGetLive(key, Now, out var entry) || entry.Value is not HashSet<string> set || !set.Remove(member))
            {
                return ValueTask.FromResult(false);
            }

            if (set.Count == 0)
            {
                // As on Redis: a set left empty is gone.
                _entries.TryRemove(key, out _);
            }

            sequence = Journal(StateJournalOperation.RemoveMember, key, entry.ExpiresAt, text: member);
        }

        return Durable(sequence, true);
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
}
