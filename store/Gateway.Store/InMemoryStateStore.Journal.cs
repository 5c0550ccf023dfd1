namespace Gateway.Store;

// The embedded store's durability: every change journalled, awaited durable, compacted and replayed (StateJournal).
public sealed partial class InMemoryStateStore
{
    /// <summary>Appends a change to the journal (under the lock, so in the order the changes were made); 0 without one.</summary>
    private long Journal(StateJournalOperation operation, string key, DateTimeOffset? expiresAt, string? text = null, long number = 0, IReadOnlyList<string>? entries = null, string? field = null, LogSeal? seal = null) =>
        _journal?.Append(operation, key, expiresAt, text, number, entries, field, seal) ?? 0;

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

        SealWhenGrown();
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
                    case StoredLog log:
                        if (log.Seal is { } seal)
                        {
                            snapshot.SealLog(key, seal);
                        }

                        if (log.Seal is null || log.Tail.Count > 0)
                        {
                            snapshot.AppendLog(key, log.Tail);
                        }

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
                GetLog(record.Key, create: true)!.Tail.AddRange(record.Entries());
                break;
            case StateJournalOperation.SealLog:
                GetLog(record.Key, create: true)!.Apply(record.Seal());
                break;
            case StateJournalOperation.PutField:
                GetHash(record.Key, create: true)!.TryAdd(record.Field(), record.Text());
                break;
            default:
                throw new StateStoreUnavailableException($"The embedded store's journal holds an unknown operation {(byte)record.Operation}.");
        }
    }
}
