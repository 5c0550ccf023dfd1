namespace Gateway.Store.Resp;

/// <summary>
/// Exponential backoff with "equal jitter": attempt n waits between half and all of
/// <c>min(max, min * 2^(n-1))</c>, so that many replicas do not reconnect in lock-step.
/// </summary>
internal sealed class ReconnectBackoff
{
    private readonly TimeSpan _min;
    private readonly TimeSpan _max;
    private readonly Random _random;

    public ReconnectBackoff(TimeSpan min, TimeSpan max, Random? random = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(min, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(max, min);
        _min = min;
        _max = max;
        _random = random ?? Random.Shared;
    }

    /// <summary>The delay before attempt <paramref name="attempt"/> (1 for the first retry).</summary>
    public TimeSpan DelayFor(int attempt)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(attempt, 1);
        var exponent = Math.Min(attempt - 1, 30);
        var ceiling = Math.Min(_max.TotalMilliseconds, _min.TotalMilliseconds * Math.Pow(2, exponent));
        var half = ceiling / 2;
        return TimeSpan.FromMilliseconds(half + (_random.NextDouble() * half));
    }
}
