using System.Text;

namespace Gateway.Store;

// The embedded store's append-only logs and their hashes, the audit chain's storage (IAuditLogStore). Entries are kept as
// the UTF-8 they are appended in (the caller's arrays, which it does not change after the call), and written so.
public sealed partial class InMemoryStateStore
{
    public ValueTask<bool> TryAppendAsync(string logKey, long expectedLength, string entry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return TryAppend(logKey, expectedLength, [Encoding.UTF8.GetBytes(entry)], cancellationToken);
    }

    public ValueTask<bool> TryAppendAsync(string logKey, long expectedLength, IReadOnlyList<byte[]> entries, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entries);
        return TryAppend(logKey, expectedLength, entries, cancellationToken);
    }

    public ValueTask<bool> TryAppendAsync(string logKey, long expectedLength, IReadOnlyList<byte[]> entries, string hashKey, IReadOnlyList<KeyValuePair<string, byte[]>> fields, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entries);
        ArgumentNullException.ThrowIfNull(hashKey);
        ArgumentNullException.ThrowIfNull(fields);
        return TryAppend(logKey, expectedLength, entries, cancellationToken, hashKey, fields);
    }

    public ValueTask<bool> TryAppendAsync(string logKey, long expectedLength, IReadOnlyList<byte[]> entries, string? hashKey, IReadOnlyList<KeyValuePair<string, byte[]>> fields, string companionLogKey, IReadOnlyList<byte[]> companionEntries, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entries);
        ArgumentNullException.ThrowIfNull(fields);
        ArgumentNullException.ThrowIfNull(companionLogKey);
        ArgumentNullException.ThrowIfNull(companionEntries);
        return TryAppend(logKey, expectedLength, entries, cancellationToken, hashKey, fields, companionLogKey, companionEntries);
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

    private ValueTask<bool> TryAppend(string logKey, long expectedLength, IReadOnlyList<byte[]> entries, CancellationToken cancellationToken, string? hashKey = null, IReadOnlyList<KeyValuePair<string, byte[]>>? fields = null, string? companionLogKey = null, IReadOnlyList<byte[]>? companionEntries = null)
    {
        ArgumentOutOfRangeException.ThrowIfZero(entries.Count);
        cancellationToken.ThrowIfCancellationRequested();
        long sequence;
        lock (_gate)
        {
            if (!AppendLocked(logKey, expectedLength, entries, hashKey, fields, companionLogKey, companionEntries, out sequence))
            {
                return ValueTask.FromResult(false);
            }
        }

        return Durable(sequence, true);
    }

    // Whether entries go at the log's end: it holds exactly expectedLength entries, and its last is the one the first entry
    // names (LogLink).
    private static bool Extends(StoredLog log, long expectedLength, IReadOnlyList<byte[]> entries)
    {
        if (log.Count != expectedLength)
        {
            return false;
        }

        if (log.Tail.Count > 0)
        {
            return LogLink.Follows(log.Tail[^1], entries[0]);
        }

        // The first append after a sealing (or none yet): the last entry is the seal's, kept as text.
        return log.LastSealed is not { } last || LogLink.Follows(Encoding.UTF8.GetBytes(last), entries[0]);
    }

    // Under the lock: the append when the log holds exactly expectedLength entries and its last is the one the first entry
    // names (Extends; false, nothing changed, otherwise). An append that also writes a hash's fields or a companion log's
    // entries is one journal record, as TryAppendAdmittingAsync's is: a torn tail keeps all of it or none, never a receipt
    // batch (companion) whose lines were lost.
    private bool AppendLocked(string logKey, long expectedLength, IReadOnlyList<byte[]> entries, string? hashKey, IReadOnlyList<KeyValuePair<string, byte[]>>? fields, string? companionLogKey, IReadOnlyList<byte[]>? companionEntries, out long sequence)
    {
        sequence = 0;
        var log = GetLog(logKey, create: true)!;
        if (!Extends(log, expectedLength, entries))
        {
            return false;
        }

        if (_journal is null || (fields is not { Count: > 0 } && companionEntries is not { Count: > 0 }))
        {
            sequence = AppendExtendingLocked(log, logKey, entries, hashKey, fields, companionLogKey, companionEntries);
            return true;
        }

        _journal.BeginGroup();
        try
        {
            AppendExtendingLocked(log, logKey, entries, hashKey, fields, companionLogKey, companionEntries);
        }
        finally
        {
            sequence = _journal.EndGroup();
        }

        return true;
    }

    // Under the lock, once Extends holds for the log: the append itself; the journal sequence of its last write. The hash's
    // fields are journalled before the log's entries: a crash between them keeps fields no entry refers to, never the
    // reverse.
    private long AppendExtendingLocked(StoredLog log, string logKey, IReadOnlyList<byte[]> entries, string? hashKey, IReadOnlyList<KeyValuePair<string, byte[]>>? fields, string? companionLogKey, IReadOnlyList<byte[]>? companionEntries)
    {
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

        if (companionEntries is { Count: > 0 })
        {
            AppendLocked(companionLogKey!, GetLog(companionLogKey!, create: true)!, companionEntries);
            Journal(StateJournalOperation.AppendLog, companionLogKey!, null, entries: companionEntries);
        }

        AppendLocked(logKey, log, entries);
        return Journal(StateJournalOperation.AppendLog, logKey, null, entries: entries);
    }

    public ValueTask<AppendAdmission> TryAppendAdmittingAsync(string logKey, long expectedLength, IReadOnlyList<byte[]> entries, string? hashKey, IReadOnlyList<KeyValuePair<string, byte[]>> fields, string? companionLogKey, IReadOnlyList<byte[]> companionEntries, IReadOnlyList<AdmissionRequest> admissions, IReadOnlyList<BudgetSettle> settles, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(logKey);
        ArgumentNullException.ThrowIfNull(entries);
        ArgumentNullException.ThrowIfNull(fields);
        ArgumentNullException.ThrowIfNull(companionEntries);
        ArgumentNullException.ThrowIfNull(admissions);
        ArgumentNullException.ThrowIfNull(settles);
        ArgumentOutOfRangeException.ThrowIfZero(entries.Count);
        if (fields.Count > 0)
        {
            ArgumentNullException.ThrowIfNull(hashKey);
        }

        if (companionEntries.Count > 0)
        {
            ArgumentNullException.ThrowIfNull(companionLogKey);
        }

        foreach (var admission in admissions)
        {
            ThrowIfInvalid(admission);
        }

        foreach (var settle in settles)
        {
            ArgumentNullException.ThrowIfNull(settle.Key, nameof(settles));
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(settle.Window, TimeSpan.Zero, nameof(settles));
        }

        cancellationToken.ThrowIfCancellationRequested();
        var outcomes = new AdmissionOutcome[admissions.Count];
        long sequence;
        lock (_gate)
        {
            var now = Now;
            Sweep(now);
            var log = GetLog(logKey, create: true)!;
            if (!Extends(log, expectedLength, entries))
            {
                return ValueTask.FromResult(new AppendAdmission(false, []));
            }

            // One journal record for the append, every settle and every admission: a crash keeps all or none.
            _journal?.BeginGroup();
            try
            {
                sequence = AppendExtendingLocked(log, logKey, entries, hashKey, fields, companionLogKey, companionEntries);
                foreach (var settle in settles)
                {
                    SettleLocked(settle.Key, settle.Actual - settle.Reserved, settle.Window, settle.Slot, now, ref sequence);
                }

                for (var i = 0; i < outcomes.Length; i++)
                {
                    outcomes[i] = AdmitLocked(admissions[i], now, ref sequence);
                }
            }
            finally
            {
                sequence = _journal?.EndGroup() ?? 0;
            }
        }

        return Durable(sequence, new AppendAdmission(true, outcomes));
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
        LogFile? file = null;
        long first = 0, sealedCount = 0, sealedBytes = 0;
        List<byte[]> unsealed;
        lock (_gate)
        {
            var log = GetLog(logKey, create: false);
            if (log is null || start >= log.Count || count == 0)
            {
                return ValueTask.FromResult<IReadOnlyList<string>>([]);
            }

            var take = (int)Math.Min(count, log.Count - start);
            if (take == 1 && start == log.Sealed - 1)
            {
                // The log's tip, kept in memory: a restart reads no file to find it.
                return ValueTask.FromResult<IReadOnlyList<string>>([log.LastSealed!]);
            }

            if (start < log.Start)
            {
                throw new LogEntriesRetiredException(start, log.Start);
            }

            if (start >= log.Sealed)
            {
                // All in memory (decoded below, outside the lock: an appended entry's bytes never change).
                unsealed = log.Tail.GetRange((int)(start - log.Sealed), take);
            }
            else
            {
                file = log.File!;
                first = log.Start;
                sealedCount = log.Sealed;
                sealedBytes = log.SealedBytes;
                unsealed = log.Tail.GetRange(0, (int)Math.Max(0, start + take - sealedCount));
            }
        }

        if (file is null)
        {
            return ValueTask.FromResult<IReadOnlyList<string>>(Texts(unsealed));
        }

        // The sealed part from the file, outside the lock (a sealing only writes after the bytes read here).
        var entries = file.Read(start - first, count, sealedCount - first, sealedBytes);
        entries.AddRange(Texts(unsealed));
        return ValueTask.FromResult<IReadOnlyList<string>>(entries);
    }

    // Under the lock: entries at the log's end, counted among those waiting for a sealing.
    private void AppendLocked(string logKey, StoredLog log, IReadOnlyList<byte[]> entries)
    {
        log.Tail.AddRange(entries);
        _tailBytes += BytesOf(entries);
        _unsealed[logKey] = log;
    }

    // Entries as read: text.
    private static List<string> Texts(List<byte[]> entries) => entries.ConvertAll(static entry => Encoding.UTF8.GetString(entry));

    private StoredLog? GetLog(string logKey, bool create)
    {
        if (_entries.TryGetValue(logKey, out var entry) && entry.Value is StoredLog log)
        {
            return log;
        }

        if (!create)
        {
            return null;
        }

        log = new StoredLog();
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
}
