namespace Gateway.Audit;

// The outcome's linger (Gateway:Audit:OutcomeLinger): an append no caller awaits waits for the chain's next append that
// does not, so that the two share a group and its one store call; alone, it is sent once its own linger ends. One timer
// stands for every lingering append: armed for the first, it finds on firing the oldest still queued (those before it left
// with a decision) and, while that one has not lingered its whole time, waits again for the rest of it.
internal sealed partial class AuditChainWriter
{
    private readonly TimeSpan _linger;

    // Under _gate: appends queued that do not linger; whether the linger of those queued has ended (until the queue empties);
    // whether the timer is armed. The timer, made on first use.
    private int _eagerQueued;
    private bool _lingerEnded;
    private bool _lingerArmed;
    private ITimer? _lingerTimer;

    /// <summary>Sends what lingers now (a read of the journal, the host's shutdown): it goes in the next group.</summary>
    public void SendLingering()
    {
        bool start;
        lock (_gate)
        {
            start = EndLingerLocked();
        }

        if (start)
        {
            _ = SealQueuedAsync();
        }
    }

    // Under _gate, where no sealer was claimed: arms the timer when only lingering appends wait.
    private void ArmLingerLocked()
    {
        if (_lingerArmed || _lingerEnded || _eagerQueued > 0 || _queue.Count == 0)
        {
            return;
        }

        ArmLocked(_linger);
    }

    // Under _gate: the timer armed to fire in due (made on first use).
    private void ArmLocked(TimeSpan due)
    {
        _lingerArmed = true;
        _lingerTimer ??= _time.CreateTimer(static state => ((AuditChainWriter)state!).LingerEnded(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _lingerTimer.Change(due, Timeout.InfiniteTimeSpan);
    }

    // The timer's end: the oldest append queued (when only lingering ones wait) has lingered its own time, or the timer
    // waits again for the rest of it; else what is queued goes.
    private void LingerEnded()
    {
        bool start;
        lock (_gate)
        {
            _lingerArmed = false;
            if (_eagerQueued == 0 && _queue.TryPeek(out var oldest) && _time.GetElapsedTime(oldest.Enqueued) is var lingered && lingered < _linger)
            {
                // Queued after the append the timer was armed for, which left with a decision: its own linger is not over.
                ArmLocked(_linger - lingered);
                return;
            }

            start = EndLingerLocked();
        }

        if (start)
        {
            _ = SealQueuedAsync();
        }
    }

    // Under _gate: ends the linger of what is queued; whether the caller now starts the sealer (none runs).
    private bool EndLingerLocked()
    {
        _lingerEnded |= _queue.Count > 0;
        return TryClaimSealer();
    }
}
