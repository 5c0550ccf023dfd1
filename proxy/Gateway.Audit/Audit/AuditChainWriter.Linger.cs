namespace Gateway.Audit;

// The outcome's linger (Gateway:Audit:OutcomeLinger): an append no caller awaits waits for the chain's next append that
// does not, so that the two share a group and its one store call; alone, it is sent once its linger ends.
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

    private void LingerEnded() => EndLinger(timerFired: true);

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
