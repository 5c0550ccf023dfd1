using System.Buffers;

namespace Gateway.Store;

/// <summary>
/// The embedded store's write-ahead journal: every change <see cref="InMemoryStateStore"/> makes (a nonce
/// stored, a counter moved, a kill switch set, a warrant taken) is appended here under the store's lock and
/// made durable (written and fsynced) before the store's call returns, so a restart or a crash (a crash loop
/// included) forgets nothing a caller was told. Changes that arrive while a group is being fsynced go
/// together in the next group (one fsync per group, led by the first caller that finds none in flight: no
/// writer thread). At start the journal is replayed into the store and rewritten as a snapshot of what is
/// still live; it is rewritten again whenever it has grown to <see cref="CompactionThresholdBytes"/> and
/// four times the last snapshot.
/// </summary>
/// <remarks>
/// A record is <c>[length:int32][crc32 of payload:uint32][payload]</c>, little-endian; the payload is an
/// operation byte and its fields (<see cref="StateJournalOperation"/>). A torn or corrupt tail (a crash
/// mid-write) is cut off at the last whole record when the journal is opened; a record that does not read whole with a
/// whole record after it is damage, and the journal is then not opened (StateJournal.Damage.cs). A failed write or fsync fails
/// the waiting calls with <see cref="StateStoreUnavailableException"/> and every later one too (the store
/// fails closed) until the process restarts. While open, the file runs up to <see cref="PreallocationBytes"/> of zeros
/// past its last record (a record's length is never 0, so a replay stops there; they are cut off when it closes).
/// </remarks>
public sealed partial class StateJournal : IDisposable
{
    /// <summary>The journal's file name inside its directory.</summary>
    public const string FileName = "state.journal";

    private const int HeaderBytes = 8;
    private const int MaxRecordBytes = 64 * 1024 * 1024;

    // The file is written with zeros this far past a group before the group reaches its end, so that a group lands in
    // blocks already allocated and written: its fsync then writes the data alone, not the file's new size and block map
    // (on ext4, a third less CPU and latency per group; PostgreSQL zero-fills its WAL segments for the same reason).
    private const int PreallocationBytes = 256 * 1024;
    private static readonly byte[] Zeros = new byte[PreallocationBytes];

    private readonly string _path;
    private readonly Lock _lock = new();
    private FileStream _file;
    private ArrayBufferWriter<byte> _pending = new(64 * 1024);
    private ArrayBufferWriter<byte> _spare = new(64 * 1024);
    private readonly ArrayBufferWriter<byte> _scratch = new(256);
    private long _appended;
    private long _durable;
    private long _inFlightEnd;
    private bool _leading;
    private TaskCompletionSource? _inFlight;
    private TaskCompletionSource _next = NewCompletion();
    private long _snapshotBytes;
    private long _fileBytes;
    private long _allocatedBytes;
    private Exception? _failure;

    private StateJournal(string path, FileStream file)
    {
        _path = path;
        _file = file;
    }

    /// <summary>The smallest journal that is compacted (it also must be four times its last snapshot).</summary>
    public long CompactionThresholdBytes { get; private init; }

    /// <summary>The journal file's path.</summary>
    public string Path => _path;

    /// <summary>The bytes of the journal's durable records: where the file's zeros begin while it is open.</summary>
    public long Length
    {
        get
        {
            lock (_lock)
            {
                return _fileBytes;
            }
        }
    }

    /// <summary>
    /// Opens (creating when absent) the journal in <paramref name="directory"/>, hands every whole record to
    /// <paramref name="replay"/> in order, and cuts off a torn tail.
    /// </summary>
    /// <exception cref="StateStoreUnavailableException">
    /// The directory or file cannot be used, or a record that does not read whole has a whole record after it (damage, not
    /// a torn tail: StateJournal.Damage.cs), which leaves the file as it is.
    /// </exception>
    public static StateJournal Open(string directory, Action<StateJournalReader> replay, long compactionThresholdBytes = 64L * 1024 * 1024)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(compactionThresholdBytes);
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentNullException.ThrowIfNull(replay);
        try
        {
            PrivateFiles.CreateDirectory(directory);
            var path = System.IO.Path.Combine(directory, FileName);
            var file = PrivateFiles.Open(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read, bufferSize: 0, FileOptions.None);
            try
            {
                var good = ReplayInto(file, replay);
                if (good != file.Length)
                {
                    file.SetLength(good);
                    file.Flush(flushToDisk: true);
                }

                return new StateJournal(path, file) { _fileBytes = good, _allocatedBytes = good, CompactionThresholdBytes = compactionThresholdBytes };
            }
            catch
            {
                file.Dispose();
                throw;
            }
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new StateStoreUnavailableException($"The embedded store's journal in {directory} cannot be opened: {exception.Message}", exception);
        }
    }

    /// <summary>Appends one record (called under the store's lock, so records keep the store's order); returns its sequence number (0 inside a group).</summary>
    public long Append(StateJournalOperation operation, string key, DateTimeOffset? expiresAt, string? text = null, long number = 0, IReadOnlyList<byte[]>? entries = null, string? field = null, LogSeal? seal = null,
        UInt128 digest = default)
    {
        lock (_lock)
        {
            if (_failure is not null)
            {
                throw Unavailable(_failure);
            }

            if (_grouped is not null)
            {
                // Inside a group (BeginGroup): written with the group's one record, which EndGroup numbers.
                WriteRecord(_grouped, _scratch, operation, key, expiresAt, text, number, entries, field, seal, digest);
                return 0;
            }

            WriteRecord(_pending, _scratch, operation, key, expiresAt, text, number, entries, field, seal, digest);
            return ++_appended;
        }
    }

    /// <summary>Completes once every record up to <paramref name="sequence"/> is fsynced.</summary>
    /// <exception cref="StateStoreUnavailableException">A write or fsync failed.</exception>
    public ValueTask WaitDurableAsync(long sequence)
    {
        lock (_lock)
        {
            if (_failure is not null)
            {
                return ValueTask.FromException(Unavailable(_failure));
            }

            if (_durable >= sequence)
            {
                return ValueTask.CompletedTask;
            }

            if (_leading)
            {
                // The leader writes the group in flight, then every group that is waiting, this one's included.
                return new ValueTask((_inFlight is not null && sequence <= _inFlightEnd ? _inFlight : _next).Task);
            }

            // Claimed under the lock, so there is never more than one leader (one writer of the file).
            _leading = true;
        }

        // This caller leads, and keeps leading while records are waiting.
        FlushGroups();
        lock (_lock)
        {
            return _failure is not null ? ValueTask.FromException(Unavailable(_failure)) : ValueTask.CompletedTask;
        }
    }

    /// <summary>True when the journal has grown enough to be rewritten as a snapshot.</summary>
    public bool NeedsCompaction
    {
        get
        {
            lock (_lock)
            {
                var size = _fileBytes + _pending.WrittenCount;
                return size >= CompactionThresholdBytes && size >= 4 * _snapshotBytes;
            }
        }
    }

    // Under the lock: the written and fsynced file renamed over the journal, which goes on at its end.
    private void ReplaceFile(string temporary)
    {
        _file.Dispose();
        DurableRename.Replace(temporary, _path);
        _file = new FileStream(_path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read, bufferSize: 0, FileOptions.None);
        _allocatedBytes = _file.Length;
    }

    /// <summary>Throws <see cref="StateStoreUnavailableException"/> once a write or fsync has failed.</summary>
    public void ThrowIfFailed()
    {
        lock (_lock)
        {
            if (_failure is not null)
            {
                throw Unavailable(_failure);
            }
        }
    }

    /// <summary>Closes the file, its zeros past the last record cut off when no group is being written (a reopen cuts them otherwise).</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            try
            {
                if (_inFlight is null && _failure is null && _allocatedBytes > _fileBytes)
                {
                    _file.SetLength(_fileBytes);
                }
            }
            catch (IOException)
            {
                // The zeros stay; the next open cuts them.
            }
            finally
            {
                _file.Dispose();
            }
        }
    }

    private void FlushGroups()
    {
        while (true)
        {
            ArrayBufferWriter<byte> group;
            TaskCompletionSource completion;
            long end;
            (long Rewrite, int From) carry;
            FileStream file;
            long offset;
            long allocated;
            lock (_lock)
            {
                if (_pending.WrittenCount == 0 || _failure is not null)
                {
                    _leading = false;
                    return;
                }

                group = _pending;
                carry = TakeCarry();
                _pending = _spare;
                end = _appended;
                completion = _next;
                _next = NewCompletion();
                _inFlight = completion;
                _inFlightEnd = end;

                // Neither changes while a group is in flight (a rewrite replaces the file between groups).
                (file, offset, allocated) = (_file, _fileBytes, _allocatedBytes);
            }

            Exception? failure = null;
            var written = group.WrittenCount;
            try
            {
                allocated = WriteGroup(file, group.WrittenSpan, offset, allocated);
                file.Flush(flushToDisk: true);
            }
            catch (Exception exception) when (exception is IOException or ObjectDisposedException or UnauthorizedAccessException)
            {
                failure = exception;
            }

            lock (_lock)
            {
                _spare = group;
                if (failure is null)
                {
                    _durable = end;
                    _fileBytes += written;
                    _allocatedBytes = allocated;
                    Carry(group, carry);
                }
                else
                {
                    _failure = failure;
                    _next.TrySetException(Unavailable(failure));
                }

                _inFlight = null;
                group.ResetWrittenCount();
                ReplaceAsGroupEndsLocked();
            }

            if (failure is null)
            {
                completion.TrySetResult();
            }
            else
            {
                completion.TrySetException(Unavailable(failure));
            }
        }
    }

    // The group at the end of the records, zeros written first past it when it would reach the file's end; returns where they end.
    private static long WriteGroup(FileStream file, ReadOnlySpan<byte> group, long offset, long allocated)
    {
        var handle = file.SafeFileHandle;
        if (offset + group.Length > allocated)
        {
            var target = offset + group.Length + PreallocationBytes;
            for (; allocated < target; allocated += Zeros.Length)
            {
                RandomAccess.Write(handle, Zeros, allocated);
            }
        }

        RandomAccess.Write(handle, group, offset);
        return allocated;
    }

    private static TaskCompletionSource NewCompletion() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static StateStoreUnavailableException Unavailable(Exception failure) =>
        new("The embedded store's journal cannot be written: " + failure.Message, failure);
}
