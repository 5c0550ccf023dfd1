namespace Gateway.Store;

// Audit retention in the embedded store (ILogRetirement): a log lets go of its first entries. Durable, they are sealed
// first, the kept ones copied into a new file (fsynced), the new seal journalled as RetireLog, the old file deleted once
// that is durable, and the journal rewritten so that no record of the retired entries is left in it either. A crash before
// the record leaves the old file named and the new one deleted at open; after it, the reverse.
public sealed partial class InMemoryStateStore : ILogRetirement
{
    public async ValueTask RetireLogAsync(string logKey, long through, string? note, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(logKey);
        ArgumentOutOfRangeException.ThrowIfNegative(through);
        cancellationToken.ThrowIfCancellationRequested();
        if (_logsDirectory is null)
        {
            lock (_gate)
            {
                if (RetiresLocked(logKey, through) is { } log)
                {
                    log.RetireFromTail(through, note);
                }
            }

            return;
        }

        await _sealing.RunAsync(() => RetireSealedAsync(logKey, through, note), cancellationToken).ConfigureAwait(false);
        await _compaction.RunAsync(() => RewriteBesideAsync(force: true), cancellationToken).ConfigureAwait(false);
    }

    public ValueTask<LogStart> LogStartAsync(string logKey, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            return ValueTask.FromResult(GetLog(logKey, create: false) is { } log ? new LogStart(log.Start, log.Note) : default);
        }
    }

    public ValueTask<IReadOnlyList<string>> ListKeysAsync(string prefix, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult<IReadOnlyList<string>>([.. _entries.Keys.Where(key => key.StartsWith(prefix, StringComparison.Ordinal))]);
    }

    // Under the lock: the log when it has entries before `through` still to retire (null when it has none).
    private StoredLog? RetiresLocked(string logKey, long through)
    {
        var log = GetLog(logKey, create: false);
        if (log is null || through <= log.Start)
        {
            return null;
        }

        ArgumentOutOfRangeException.ThrowIfGreaterThan(through, log.Count);
        return log;
    }

    // Holding the sealing job: seals what is in memory, copies the kept sealed entries into a new file, journals the seal
    // that names it and, once that is durable, deletes the old file.
    private async Task RetireSealedAsync(string logKey, long through, string? note)
    {
        await SealAsync().ConfigureAwait(false);
        LogFile file;
        long start, sealedCount, sealedBytes, id;
        lock (_gate)
        {
            if (RetiresLocked(logKey, through) is not { } log)
            {
                return;
            }

            if (through > log.Sealed)
            {
                throw new StateStoreUnavailableException($"The embedded store could not seal the log {logKey} before retiring its first entries.");
            }

            (file, start, sealedCount, sealedBytes, id) = (log.File!, log.Start, log.Sealed, log.SealedBytes, _nextLogFileId++);
        }

        var kept = file.CopyFrom(_logsDirectory!, id, through - start, sealedCount - start, sealedBytes);
        long sequence;
        try
        {
            DurableRename.SyncDirectory(_logsDirectory!);
            lock (_gate)
            {
                if (GetLog(logKey, create: false) is not { } log || !ReferenceEquals(log.File, file))
                {
                    throw new InvalidOperationException($"The log {logKey} changed while its first entries were retired.");
                }

                var seal = new LogSeal(kept.Id, log.Sealed, kept.Bytes, log.LastSealed!, through, note);
                sequence = Journal(StateJournalOperation.RetireLog, logKey, null, seal: seal);
                log.Apply(seal);
                log.Replaced?.Dispose();
                (log.File, log.Replaced) = (kept, file);
            }
        }
        catch
        {
            kept.Delete();
            throw;
        }

        await _journal!.WaitDurableAsync(sequence).ConfigureAwait(false);
        File.Delete(LogFile.PathOf(_logsDirectory!, file.Id));
    }
}
