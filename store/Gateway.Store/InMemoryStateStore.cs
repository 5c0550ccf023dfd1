using System.Collections.Concurrent;

namespace Gateway.Store;

/// <summary>
/// The embedded store: one process, everything under one lock per operation so that each call is atomic
/// exactly as its Redis counterpart is. Expiry uses <see cref="TimeProvider"/>. Opened with
/// <see cref="OpenDurable"/> every change is also written to a <see cref="StateJournal"/> and fsynced before
/// the call returns, so nonces, kill switches, single-use warrants, approvals, rate-limit windows and budgets
/// survive a restart (a replayed request stays refused); without it (tests, tools) nothing is persisted.
/// One file per job: this one (entries, expiry, the lock), <c>.Values</c>, <c>.Admission</c>, <c>.Logs</c>,
/// <c>.Journal</c> (durability, compaction, replay), <c>.Sealing</c> (logs moved from memory to files of their own) and
/// <c>.Retirement</c> (a log's first entries let go of for good).
/// </summary>
public sealed partial class InMemoryStateStore : IStateStore, IDisposable
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    // Every expiry set, soonest first, so that a sweep touches only what has expired (a key rewritten with
    // another expiry is queued again; the stale item is skipped when it comes up).
    private readonly PriorityQueue<string, DateTimeOffset> _expiries = new();

    // Nonces and decision-token records, by the digest of their key (an admission's own; read back by any caller).
    private readonly DigestRecords _digests = new();
    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private StateJournal? _journal;
    private DataDirectoryLock? _held;
    private int _disposed;

    public InMemoryStateStore(TimeProvider? timeProvider = null)
    {
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>
    /// A store whose state lives in <paramref name="directory"/>'s journal: replayed now, compacted to what is
    /// still live, and appended to (fsynced per group of concurrent changes) from now on. Logs keep in memory only
    /// their entries not yet sealed in their files (<c>logs/</c>, sealed once they pass
    /// <paramref name="sealThresholdChars"/> characters in all, counted as their UTF-8 bytes).
    /// </summary>
    /// <remarks>
    /// The directory is held (<see cref="DataDirectoryLock"/> on <see cref="LockFileName"/>) from before the replay until
    /// <see cref="Dispose"/>: a second open while it is held, from another process or this one, is refused before it reads,
    /// rewrites or deletes anything.
    /// </remarks>
    /// <exception cref="StateStoreUnavailableException">The journal or a log file it names cannot be opened, or another process holds the directory.</exception>
    public static InMemoryStateStore OpenDurable(string directory, TimeProvider? timeProvider = null, long compactionThresholdBytes = 64L * 1024 * 1024, long sealThresholdChars = DefaultSealThresholdChars)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sealThresholdChars);
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var store = new InMemoryStateStore(timeProvider);
        try
        {
            store._held = DataDirectoryLock.Acquire(directory, LockFileName);
            store._journal = StateJournal.Open(directory, store.Replay, compactionThresholdBytes);
            store.OpenLogFiles(directory, sealThresholdChars);
            store.RewriteBeside(force: true);
        }
        catch (Exception exception)
        {
            // Whatever failed, the directory is let go (a later open in this process must not find it held).
            store.Dispose();
            if (exception is IOException or UnauthorizedAccessException)
            {
                throw new StateStoreUnavailableException($"The embedded store in {directory} cannot be opened: {exception.Message}", exception);
            }

            throw;
        }

        return store;
    }

    /// <summary>The lock file that holds a durable store's directory for one process (<see cref="DataDirectoryLock"/>).</summary>
    public const string LockFileName = "state.lock";

    /// <summary>How many keys are held, expired ones not yet swept included (for tests).</summary>
    internal int KeyCount => _entries.Count + _digests.Count;

    /// <summary>The journal's path, or null when nothing is persisted.</summary>
    public string? JournalPath => _journal?.Path;

    /// <summary>The bytes of the journal's records (its file runs on in zeros while open), or 0 when nothing is persisted (for tests).</summary>
    internal long JournalLength => _journal?.Length ?? 0;

    /// <summary>Closes the log files and the journal, then lets the directory go (once: a container that hands the store out under two services disposes it twice).</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        CloseLogFiles();
        _journal?.Dispose();

        // Last: the directory is let go once nothing more is written to it.
        _held?.Dispose();
    }

    public ValueTask PingAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        _journal?.ThrowIfFailed();
        return ValueTask.CompletedTask;
    }

    private DateTimeOffset Now => _time.GetUtcNow();

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

    /// <summary>
    /// A key as any caller reads it: its entry, else the nonce or decision-token record held by its digest (a caller that
    /// writes the key then holds it as an entry: <see cref="ForgetDigest"/>).
    /// </summary>
    private bool TryGetLiveOrDigest(string key, DateTimeOffset now, out Entry entry) =>
        TryGetLive(key, now, out entry) || (_digests.Count > 0 && TryGetDigest(DigestRecords.Of(key), now, out entry));

    /// <summary>As <see cref="TryGetLiveOrDigest(string, DateTimeOffset, out Entry)"/>, with the key's digest already made; <paramref name="asEntry"/> says which held it.</summary>
    private bool TryGetLiveOrDigest(string key, UInt128 digest, DateTimeOffset now, out Entry entry, out bool asEntry)
    {
        asEntry = TryGetLive(key, now, out entry);
        return asEntry || TryGetDigest(digest, now, out entry);
    }

    private bool TryGetDigest(UInt128 digest, DateTimeOffset now, out Entry entry)
    {
        if (_digests.TryGetLive(digest, now, out var value, out var expiresAt))
        {
            entry = new Entry(DigestRecords.Decode(value), expiresAt);
            return true;
        }

        entry = null!;
        return false;
    }

    /// <summary>Lets go of the record held by the key's digest, when any: the key is written or deleted as an entry.</summary>
    private bool ForgetDigest(string key) => _digests.Count > 0 && _digests.Remove(DigestRecords.Of(key));

    /// <summary>
    /// Writes an admission's text (a nonce, a decision-token record) by the key's digest when the value reads back
    /// exactly (<see cref="DigestRecords.TryEncode"/>), else as an entry; returns the journal's sequence.
    /// </summary>
    private long PutAdmissionText(string key, UInt128 digest, string text, DateTimeOffset expiresAt)
    {
        if (DigestRecords.TryEncode(text, out var value))
        {
            _digests.Put(digest, value, expiresAt);
            return Journal(StateJournalOperation.PutDigest, string.Empty, expiresAt, number: value, digest: digest);
        }

        Put(key, new Entry(text, expiresAt));
        return Journal(StateJournalOperation.PutText, key, expiresAt, text: text);
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

        _digests.Sweep(now);
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
