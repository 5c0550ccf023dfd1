using System.Buffers;

namespace Gateway.Store;

// The journal rewritten beside the store rather than under its lock: the snapshot is taken as the rewrite begins, written
// while changes go on, and the records written after it are carried into the new file before it replaces the old one.
public sealed partial class StateJournal
{
    // While a rewrite is under way: the records written since it began; its number; the bytes of the buffer then
    // pending that the snapshot already covers.
    private ArrayBufferWriter<byte>? _carried;
    private long _rewrite;
    private int _carryFrom;
    private long _rewriteFrom;

    // The replacement a rewrite left for the leader while a group was in flight: the new file, its snapshot's bytes, and
    // what the rewrite waits on.
    private (string Temporary, long SnapshotBytes, TaskCompletionSource Replaced)? _replace;

    /// <summary>
    /// Starts a rewrite (under the store's lock, as its snapshot is taken): every record appended from now on is carried
    /// into the new journal by <see cref="CompleteRewrite"/>.
    /// </summary>
    public void BeginRewrite()
    {
        lock (_lock)
        {
            if (_failure is not null)
            {
                throw Unavailable(_failure);
            }

            if (_carried is not null)
            {
                throw new InvalidOperationException("A rewrite of the journal is already under way.");
            }

            _carried = new ArrayBufferWriter<byte>(64 * 1024);
            _rewrite++;
            _carryFrom = _pending.WrittenCount;
            _rewriteFrom = _appended;
        }
    }

    /// <summary>
    /// Replaces the journal with <paramref name="snapshot"/> (the live state when <see cref="BeginRewrite"/> was called,
    /// written beside the journal while changes went on): it is fsynced; then, between two groups, the records carried are
    /// added to it, fsynced, and it is renamed over the journal. The snapshot is closed either way.
    /// </summary>
    /// <exception cref="IOException">The new file could not be written; the journal goes on as it was.</exception>
    /// <exception cref="StateStoreUnavailableException">The rename failed, or a write had failed: the store fails closed.</exception>
    public void CompleteRewrite(StateJournalSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var temporary = _path + ".tmp";
        if (snapshot.Path != temporary)
        {
            snapshot.Dispose();
            AbandonRewrite();
            throw new ArgumentException("The snapshot is not written beside this journal.", nameof(snapshot));
        }

        try
        {
            snapshot.Persist();
        }
        catch (IOException)
        {
            AbandonRewrite();
            throw;
        }
        finally
        {
            snapshot.Dispose();
        }

        // Between groups: now when none is being written (none starts while the lock is held), else by the leader writing
        // one, as it ends and before the next starts (groups back to back would otherwise never leave a gap to take).
        TaskCompletionSource replaced;
        lock (_lock)
        {
            if (_inFlight is null)
            {
                ReplaceLocked(temporary, snapshot.Length);
                return;
            }

            replaced = new(TaskCreationOptions.RunContinuationsAsynchronously);
            _replace = (temporary, snapshot.Length, replaced);
        }

        replaced.Task.GetAwaiter().GetResult();
    }

    // Under the lock, as the group in flight ends: the replacement a rewrite left for it (CompleteRewrite), its outcome
    // handed back to that rewrite.
    private void ReplaceAsGroupEndsLocked()
    {
        if (_replace is not { } replace)
        {
            return;
        }

        _replace = null;
        try
        {
            ReplaceLocked(replace.Temporary, replace.SnapshotBytes);
            replace.Replaced.TrySetResult();
        }
        catch (Exception exception)
        {
            replace.Replaced.TrySetException(exception);
        }
    }

    // Under the lock, between groups: the carried records after the snapshot, then the new file in the old one's place.
    private void ReplaceLocked(string temporary, long snapshotBytes)
    {
        var carried = _carried!;
        _carried = null;
        if (_failure is not null)
        {
            _carryFrom = 0;
            throw Unavailable(_failure);
        }

        try
        {
            using var file = PrivateFiles.Open(temporary, FileMode.Append, FileAccess.Write, FileShare.None, bufferSize: 0, FileOptions.None);
            file.Write(carried.WrittenSpan);
            file.Flush(flushToDisk: true);
        }
        catch (IOException)
        {
            // The journal is still whole where it was; the pending records stay for it.
            _carryFrom = 0;
            File.Delete(temporary);
            throw;
        }

        try
        {
            ReplaceFile(temporary);
        }
        catch (IOException exception)
        {
            _failure = exception;
            _next.TrySetException(Unavailable(exception));
            throw Unavailable(exception);
        }

        _snapshotBytes = snapshotBytes;
        _fileBytes = snapshotBytes + carried.WrittenCount;
        if (_carryFrom > 0)
        {
            // No group was written during the rewrite: the records pending when it began are in the snapshot, durable now.
            var after = _pending.WrittenSpan[_carryFrom..].ToArray();
            _pending.ResetWrittenCount();
            _pending.Write(after);
            _carryFrom = 0;
            _durable = Math.Max(_durable, _rewriteFrom);
            if (_pending.WrittenCount == 0)
            {
                var waiting = _next;
                _next = NewCompletion();
                waiting.TrySetResult();
            }
        }
    }

    /// <summary>Gives up the rewrite under way (its snapshot could not be made): records are no longer carried for it.</summary>
    internal void AbandonRewrite()
    {
        lock (_lock)
        {
            _carried = null;
            _carryFrom = 0;
        }
    }

    // Under the lock, as a group is taken to be written: which rewrite its records are carried into, from which byte (-1: none).
    private (long Rewrite, int From) TakeCarry()
    {
        var carry = (_rewrite, _carried is null ? -1 : _carryFrom);
        _carryFrom = 0;
        return carry;
    }

    // Under the lock, once a group is durable: its records after the snapshot, into the rewrite it was taken under.
    private void Carry(ArrayBufferWriter<byte> group, (long Rewrite, int From) carry)
    {
        if (_carried is not null && carry.From >= 0 && carry.Rewrite == _rewrite)
        {
            _carried.Write(group.WrittenSpan[carry.From..]);
        }
    }
}
