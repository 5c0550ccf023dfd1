namespace Gateway.Store;

// The embedded store's durability: every change journalled, awaited durable, compacted and replayed (StateJournal).
public sealed partial class InMemoryStateStore
{
    private readonly BackgroundJob _compaction = new();

    /// <summary>Appends a change to the journal (under the lock, so in the order the changes were made); 0 without one.</summary>
    private long Journal(StateJournalOperation operation, string key, DateTimeOffset? expiresAt, string? text = null, long number = 0, IReadOnlyList<byte[]>? entries = null, string? field = null, LogSeal? seal = null,
        UInt128 digest = default) =>
        _journal?.Append(operation, key, expiresAt, text, number, entries, field, seal, digest) ?? 0;

    /// <summary>The result once the change it follows is durable (at once without a journal).</summary>
    private ValueTask<T> Durable<T>(long sequence, T result) =>
        sequence == 0 ? ValueTask.FromResult(result) : AwaitDurableAsync(sequence, result);

    private async ValueTask<T> AwaitDurableAsync<T>(long sequence, T result)
    {
        await DurableAsync(sequence).ConfigureAwait(false);
        return result;
    }

    /// <summary>Completes once the change is durable; starts a compaction or a sealing when the journal or the logs have grown.</summary>
    private async ValueTask DurableAsync(long sequence)
    {
        await _journal!.WaitDurableAsync(sequence).ConfigureAwait(false);
        CompactWhenGrown();
        SealWhenGrown();
    }

    /// <summary>Starts a compaction in the background when the journal has grown (once the one running ends, if one is).</summary>
    private void CompactWhenGrown()
    {
        if (_journal!.NeedsCompaction)
        {
            _compaction.Start(() => RewriteBesideAsync(force: false));
        }
    }

    /// <summary>A compaction now, unless one is running (false then).</summary>
    internal Task<bool> CompactBesideAsync() => _compaction.TryRunAsync(() => RewriteBesideAsync(force: true));

    private Task RewriteBesideAsync(bool force)
    {
        RewriteBeside(force);
        return Task.CompletedTask;
    }

    /// <summary>
    /// Rewrites the journal as the live state without holding the store for it: under the lock only the entries are
    /// listed (and the mutable ones restated), the rewrite begins and changes go on; the records held by digest are copied
    /// a chunk at a time, each under the lock;
    /// texts, counters and those records are restated into the file beside, as they are made
    /// (<see cref="StateJournalSnapshot"/>, <see cref="StateJournal.CompleteRewrite"/>). One at a time
    /// (<c>_compaction</c>), and once at open, before any caller can see the store.
    /// </summary>
    private void RewriteBeside(bool force)
    {
        if (_journal is not { } journal || (!force && !journal.NeedsCompaction))
        {
            return;
        }

        using var snapshot = new StateJournalSnapshot(journal.Path);
        List<KeyValuePair<string, Entry>> listed;
        lock (_gate)
        {
            var now = Now;
            listed = new List<KeyValuePair<string, Entry>>(_entries.Count);
            foreach (var (key, entry) in _entries)
            {
                if (entry.ExpiresAt is { } at && at <= now)
                {
                    continue;
                }

                if (entry.Value is string or long)
                {
                    // Never changed in place (a change puts a new entry, journalled after the rewrite began).
                    listed.Add(KeyValuePair.Create(key, entry));
                }
                else
                {
                    Restate(snapshot, key, entry);
                }
            }

            journal.BeginRewrite();
            _digests.BeginCopy();
        }

        try
        {
            foreach (var (key, entry) in listed)
            {
                Restate(snapshot, key, entry);
            }

            RestateDigests(snapshot);
        }
        catch (IOException)
        {
            journal.AbandonRewrite();
            throw;
        }
        finally
        {
            lock (_gate)
            {
                _digests.EndCopy();
            }
        }

        journal.CompleteRewrite(snapshot);
    }

    // The records held by digest, copied a chunk at a time under the lock (a short hold each, and no copy of the whole
    // table to let go of after) and restated outside it. Each change to them since the rewrite began is carried after the
    // snapshot, so a record copied after it changed is put right when the journal is replayed.
    private void RestateDigests(StateJournalSnapshot snapshot)
    {
        var copied = new DigestRecords.Record[DigestRecords.ChunkLength];
        var position = 0;
        while (position >= 0)
        {
            int count;
            lock (_gate)
            {
                count = _digests.CopyLive(ref position, copied, Now);
            }

            for (var i = 0; i < count; i++)
            {
                snapshot.PutDigest(copied[i].Digest, copied[i].Value, new DateTimeOffset(copied[i].ExpiresTicks, TimeSpan.Zero));
            }
        }
    }

    // One live entry as the records that recreate it.
    private static void Restate(StateJournalSnapshot snapshot, string key, Entry entry)
    {
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
            case StoredLog log when log.Seal is { } seal:
                snapshot.SealLog(key, seal);
                if (log.Tail.Count > 0)
                {
                    snapshot.AppendLog(key, log.Tail);
                }

                break;
            case StoredLog log:
                snapshot.AppendLog(key, log.Tail);
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

    /// <summary>Applies one journal record at start (before any caller can see the store).</summary>
    private void Replay(StateJournalReader record)
    {
        switch (record.Operation)
        {
            case StateJournalOperation.PutText:
                ForgetDigest(record.Key);
                Put(record.Key, new Entry(record.Text(), record.ExpiresAt));
                break;
            case StateJournalOperation.Delete:
                ForgetDigest(record.Key);
                _entries.TryRemove(record.Key, out _);
                break;
            case StateJournalOperation.PutDigest:
                _digests.Put(record.Digest(), record.Number(), record.ExpiresAt ?? throw new StateStoreUnavailableException("The embedded store's journal holds a digest record with no expiry."));
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
            case StateJournalOperation.AddMemberExtending:
                if (!_entries.TryGetValue(record.Key, out var extended) || extended.Value is not HashSet<string> members)
                {
                    members = new HashSet<string>(StringComparer.Ordinal);
                }

                // The set the add found live, kept whole, with the later expiry it was given.
                Put(record.Key, new Entry(members, record.ExpiresAt));
                members.Add(record.Text());
                break;
            case StateJournalOperation.RemoveMember:
                if (_entries.TryGetValue(record.Key, out var shrunk) && shrunk.Value is HashSet<string> remaining
                    && remaining.Remove(record.Text()) && remaining.Count == 0)
                {
                    // As when it was written: a set left empty is gone.
                    _entries.TryRemove(record.Key, out _);
                }

                break;
            case StateJournalOperation.AppendLog:
                GetLog(record.Key, create: true)!.Tail.AddRange(record.Entries());
                break;
            case StateJournalOperation.SealLog or StateJournalOperation.RetireLog:
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
