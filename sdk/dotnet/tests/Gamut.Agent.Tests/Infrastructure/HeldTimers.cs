namespace Gamut.Agent.Tests.Infrastructure;

/// <summary>
/// The system clock, except that a timer made on it (a client's call timeout) starts counting only at
/// <see cref="Start"/>: a test lets a call's timeout run once the call is where the test wants it, however slowly a
/// loaded machine got it there.
/// </summary>
internal sealed class HeldTimers : TimeProvider
{
    private readonly Lock _gate = new();
    private readonly List<HeldTimer> _held = [];
    private bool _started;

    public override DateTimeOffset GetUtcNow() => TimeProvider.System.GetUtcNow();

    public override long GetTimestamp() => TimeProvider.System.GetTimestamp();

    public override long TimestampFrequency => TimeProvider.System.TimestampFrequency;

    public override TimeZoneInfo LocalTimeZone => TimeProvider.System.LocalTimeZone;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        lock (_gate)
        {
            if (_started)
            {
                return TimeProvider.System.CreateTimer(callback, state, dueTime, period);
            }

            var timer = new HeldTimer(callback, state, dueTime, period);
            _held.Add(timer);
            return timer;
        }
    }

    /// <summary>Starts every held timer (each counts its due time from now); a timer made later starts at once.</summary>
    public void Start()
    {
        lock (_gate)
        {
            _started = true;
            foreach (var timer in _held)
            {
                timer.Start();
            }

            _held.Clear();
        }
    }

    /// <summary>A timer that waits for <see cref="Start"/> before it counts; changed or disposed before, it starts as changed, or never.</summary>
    private sealed class HeldTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) : ITimer
    {
        private readonly Lock _gate = new();
        private TimeSpan _dueTime = dueTime;
        private TimeSpan _period = period;
        private ITimer? _running;
        private bool _disposed;

        public void Start()
        {
            lock (_gate)
            {
                if (!_disposed)
                {
                    _running = TimeProvider.System.CreateTimer(callback, state, _dueTime, _period);
                }
            }
        }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (_gate)
            {
                if (_disposed)
                {
                    return false;
                }

                if (_running is { } running)
                {
                    return running.Change(dueTime, period);
                }

                (_dueTime, _period) = (dueTime, period);
                return true;
            }
        }

        public void Dispose()
        {
            lock (_gate)
            {
                _disposed = true;
                _running?.Dispose();
            }
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
