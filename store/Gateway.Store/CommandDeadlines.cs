namespace Gateway.Store;

/// <summary>
/// The command timeout without a timer per command: the commands that start within one slice of time
/// (<see cref="SliceDivisor"/>-th of the timeout) share one cancellation source, cancelled a timeout and a slice after
/// the slice opened. Each command is so bounded by at least the timeout and at most the timeout and one slice
/// (1.125× with the divisor of 8), with one timer per slice whatever the rate. Safe for concurrent use; a slice
/// opened twice at once costs one spare source, nothing else.
/// </summary>
internal sealed class CommandDeadlines
{
    /// <summary>The slice is the timeout divided by this.</summary>
    public const int SliceDivisor = 8;

    private readonly TimeProvider _time;
    private readonly TimeSpan _timeout;
    private readonly long _sliceTicks;
    private Slice? _current;

    public CommandDeadlines(TimeSpan timeout, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero);
        _time = time;
        _timeout = timeout;
        _sliceTicks = Math.Max(1, (long)(timeout.TotalSeconds / SliceDivisor * time.TimestampFrequency));
    }

    /// <summary>A token cancelled no sooner than the timeout from now and no later than the timeout and one slice.</summary>
    public CancellationToken Next()
    {
        var now = _time.GetTimestamp();
        var slice = Volatile.Read(ref _current);
        if (slice is null || now - slice.Opened >= _sliceTicks)
        {
            // Not disposed: a source whose delay has run out holds nothing; one still running is the commands' bound.
            slice = new Slice(now, new CancellationTokenSource(_timeout + TimeSpan.FromSeconds((double)_sliceTicks / _time.TimestampFrequency), _time));
            Volatile.Write(ref _current, slice);
        }

        return slice.Source.Token;
    }

    private sealed record Slice(long Opened, CancellationTokenSource Source);
}
