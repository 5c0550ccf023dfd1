using System.Text;

namespace Gateway.Store;

// The embedded store's logs moved out of memory: once the entries not yet sealed pass a size, a sealing appends each log's
// to its own file (fsynced), then journals the log's seal and lets go of them (StoredLog, LogFile). A crash before the seal
// is journalled leaves the entries in the journal, and the file is cut back to its last seal when the store opens.
public sealed partial class InMemoryStateStore
{
    /// <summary>The log files' directory, inside the journal's.</summary>
    public const string LogsDirectoryName = "logs";

    /// <summary>The characters of unsealed log entries held in memory that start a sealing, by default (counted as their UTF-8 bytes).</summary>
    public const long DefaultSealThresholdChars = 4L * 1024 * 1024;

    private string? _logsDirectory;
    private long _sealThresholdChars = DefaultSealThresholdChars;
    private long _tailBytes;

    // The logs with entries not yet sealed (under the lock): a sealing visits them, not every key the store holds.
    private readonly Dictionary<string, StoredLog> _unsealed = new(StringComparer.Ordinal);
    private long _nextLogFileId = 1;
    private readonly BackgroundJob _sealing = new();

    /// <summary>The UTF-8 bytes of log entries held in memory, not yet sealed in their files.</summary>
    internal long UnsealedBytes => Interlocked.Read(ref _tailBytes);

    /// <summary>Starts a sealing in the background when the unsealed entries have grown (once the one running ends, if one is).</summary>
    private void SealWhenGrown()
    {
        if (_logsDirectory is not null && Interlocked.Read(ref _tailBytes) >= _sealThresholdChars)
        {
            _sealing.Start(SealAsync);
        }
    }

    /// <summary>A sealing now, unless one is running (false then).</summary>
    internal Task<bool> SealLogsAsync() => _sealing.TryRunAsync(SealAsync);

    /// <summary>Moves every log's unsealed entries to its file, then journals its seal; completes once the seals are durable.</summary>
    private async Task SealAsync()
    {
        var sealing = new List<(string Key, StoredLog Log, LogFile File, byte[][] Entries)>();
        var created = false;
        lock (_gate)
        {
            foreach (var (key, log) in _unsealed)
            {
                if (log.Tail.Count > 0 && _entries.TryGetValue(key, out var entry) && ReferenceEquals(entry.Value, log))
                {
                    log.File ??= LogFile.Create(_logsDirectory!, _nextLogFileId++);
                    created |= log.File.Bytes == 0;
                    sealing.Add((key, log, log.File, [.. log.Tail]));
                }
            }

            // Entries appended from now on list their logs again, for the next sealing.
            _unsealed.Clear();
        }

        var bytes = new long[sealing.Count];
        try
        {
            if (created)
            {
                // A seal never names a file whose directory entry could be lost.
                DurableRename.SyncDirectory(_logsDirectory!);
            }

            for (var i = 0; i < sealing.Count; i++)
            {
                bytes[i] = sealing[i].File.Append(sealing[i].Entries);
            }
        }
        catch
        {
            // Not sealed: the logs stay listed for the next sealing.
            lock (_gate)
            {
                foreach (var (key, log, _, _) in sealing)
                {
                    _unsealed.TryAdd(key, log);
                }
            }

            throw;
        }

        long sequence = 0;
        lock (_gate)
        {
            for (var i = 0; i < sealing.Count; i++)
            {
                var (key, log, file, entries) = sealing[i];
                if (!_entries.TryGetValue(key, out var entry) || !ReferenceEquals(entry.Value, log))
                {
                    // Deleted meanwhile: its file is no one's and goes when the store next opens.
                    continue;
                }

                var seal = new LogSeal(file.Id, log.Sealed + entries.Length, bytes[i], Encoding.UTF8.GetString(entries[^1]), log.Start, log.Note);
                sequence = Journal(StateJournalOperation.SealLog, key, null, seal: seal);
                log.Apply(seal);
                _tailBytes -= BytesOf(entries);
            }
        }

        if (sequence > 0)
        {
            await _journal!.WaitDurableAsync(sequence).ConfigureAwait(false);
        }
    }

    /// <summary>After the journal's replay: opens the files its seals name, cut back to them; deletes the files none names.</summary>
    private void OpenLogFiles(string directory, long sealThresholdChars)
    {
        _sealThresholdChars = sealThresholdChars;
        _logsDirectory = Path.Combine(directory, LogsDirectoryName);
        PrivateFiles.CreateDirectory(_logsDirectory);
        var named = new HashSet<long>();
        long tailBytes = 0;
        foreach (var (key, entry) in _entries)
        {
            if (entry.Value is StoredLog log)
            {
                tailBytes += BytesOf(log.Tail);
                if (log.Tail.Count > 0)
                {
                    _unsealed[key] = log;
                }

                if (log.FileId is { } id)
                {
                    named.Add(id);
                    log.File = LogFile.Open(_logsDirectory, id, log.SealedBytes);
                    _nextLogFileId = Math.Max(_nextLogFileId, id + 1);
                }
            }
        }

        foreach (var path in Directory.EnumerateFiles(_logsDirectory))
        {
            if (LogFile.TryParseId(Path.GetFileName(path), out var id))
            {
                _nextLogFileId = Math.Max(_nextLogFileId, id + 1);
                if (!named.Contains(id))
                {
                    File.Delete(path);
                }
            }
        }

        _tailBytes = tailBytes;
    }

    /// <summary>Waits out a sealing or compaction in flight and closes the log files.</summary>
    private void CloseLogFiles()
    {
        _sealing.Wait();
        _compaction.Wait();
        foreach (var entry in _entries.Values)
        {
            (entry.Value as StoredLog)?.File?.Dispose();
            (entry.Value as StoredLog)?.Replaced?.Dispose();
        }
    }

    private static long BytesOf(IReadOnlyList<byte[]> entries)
    {
        long bytes = 0;
        foreach (var entry in entries)
        {
            bytes += entry.Length;
        }

        return bytes;
    }
}
