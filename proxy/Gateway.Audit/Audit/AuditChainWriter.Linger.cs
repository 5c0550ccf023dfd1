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
    public void SendLingering() => EndLinger(timerFired: false);

    // Under _gate, where no sealer was claimed: arms the timer when only lingering appends wait.
    private void ArmLingerLocked()
    {
        if (_lingerArmed || _lingerEnded || _eagerQueued > 0 || _queue.Count == 0)
        {
            return;
        }

        _lingerArmed = true;
        _lingerTimer ??= _time.CreateTimer(static state => ((AuditChainWriter)state!).LingerEnded(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _lingerTimer.Change(_linger, Timeout.InfiniteTimeSpan);
    }

    private void LingerEnded()
    {
        lock (_gate)
        {
            _lingerArmed = false;
            if (_eagerQueued == 0 && _queue.TryPeek(out var oldest) && _time.GetElapsedTime(oldest.Enqueued) is var lingered && lingered < _linger)
            {
                // Queued after the append the timer was armed for, which left with a decision: its own linger is not over.
                _lingerArmed = true;
                _lingerTimer!.Change(_linger - lingered, Timeout.InfiniteTimeSpan);
                return;
            }
        }

        EndLinger(timerFired: true);
    }

    // Ends the linger of what is queued (the timer's end, or SendLingering) and starts the sealer unless one runs.
    private void EndLinger(bool timerFired)
    {
        bool start;
        lock (_gate)
        {
            _lingerArmed &= !timerFired;
            _lingerEnded |= _queue.Count > 0;
            start = TryClaimSealer();
        }

        if (start)
        {
            _ = SealQueuedAsync();
        }
    }
}
