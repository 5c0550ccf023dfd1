using System.Collections.Concurrent;
using Gateway.Admin.Options;
using Microsoft.Extensions.Options;

namespace Gateway.Admin.Tokens;

/// <summary>
/// Counts failed admin authentications per source (an address, an IPv6 client's /64: <c>AdminAuthFilter</c>) in fixed windows
/// (<c>Gateway:Admin:MaxFailedAuthPerWindow</c> per <c>Gateway:Admin:FailedAuthWindow</c>). Once a
/// source is over the limit every admin call from it is refused until its window ends, whatever token
/// it presents, so guessing costs a window per batch. Per replica, in memory: a guesser spread over N
/// replicas gets at most N times the limit.
/// </summary>
public sealed class AdminAuthThrottle
{
    private const int SweepThreshold = 10_000;

    private readonly ConcurrentDictionary<string, Window> _windows = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly int _limit;
    private readonly TimeSpan _window;

    public AdminAuthThrottle(TimeProvider time, IOptions<AdminOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _time = time;
        _limit = options.Value.MaxFailedAuthPerWindow;
        _window = options.Value.FailedAuthWindow;
    }

    /// <summary>How long <paramref name="source"/> must wait before it may try again; null when it may try now.</summary>
    public TimeSpan? RetryAfter(string source)
    {
        var now = _time.GetUtcNow();
        return _windows.TryGetValue(source, out var window) && window.Ends > now && window.Failures >= _limit
            ? window.Ends - now
            : null;
    }

    /// <summary>Counts one failed authentication from <paramref name="source"/>.</summary>
    public void RecordFailure(string source)
    {
        var now = _time.GetUtcNow();
        if (_windows.Count > SweepThreshold)
        {
            foreach (var (key, stale) in _windows)
            {
                if (stale.Ends <= now)
                {
                    _windows.TryRemove(new KeyValuePair<string, Window>(key, stale));
                }
            }
        }

        _windows.AddOrUpdate(
            source,
            static (_, state) => new Window(state.now + state.window, 1),
            static (_, current, state) => current.Ends <= state.now ? new Window(state.now + state.window, 1) : current with { Failures = current.Failures + 1 },
            (now, window: _window));
    }

    private sealed record Window(DateTimeOffset Ends, int Failures);
}
