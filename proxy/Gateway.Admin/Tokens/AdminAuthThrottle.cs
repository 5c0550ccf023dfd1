using System.Net;
using System.Net.Sockets;
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
/// <remarks>
/// At most <see cref="MaxEntries"/> windows are held, whatever the number of sources. Past <see cref="MaxAddresses"/> an
/// IPv6 source with no window of its own is counted against its /48 (one party's allocation), whose window then holds
/// every source in it, so one guesser rotating through the /64s of its /48 is still held; a source elsewhere is not. An
/// IPv4 source with no window of its own is not counted then (IPv4 addresses cannot be rotated cheaply, and a /16 is many
/// parties': grouping them would let a guesser lock out its neighbours). Past <see cref="MaxEntries"/> a failure from a
/// network with no window is not counted either until the windows' sweep makes room:
/// rather than answer every admin 429 (which a botnet could then do at will), a guesser spread over that many networks in
/// one window goes unthrottled for the rest of it, against 256-bit tokens. Expired windows are swept once a window, or
/// after <see cref="MaxEntries"/> failures when the table is full: never a scan per failure.
/// </remarks>
public sealed class AdminAuthThrottle
{
    /// <summary>The most windows held, addresses' and networks' together.</summary>
    internal const int MaxEntries = 10_000;

    /// <summary>The most sources held by their own address (or /64); the rest of <see cref="MaxEntries"/> is for networks.</summary>
    internal const int MaxAddresses = 8_000;

    private readonly Dictionary<string, Window> _windows = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private readonly int _limit;
    private readonly TimeSpan _window;
    private DateTimeOffset _sweptAt;
    private int _failuresSinceSweep;
    private int _networks;

    public AdminAuthThrottle(TimeProvider time, IOptions<AdminOptions> options)
    {
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(options);
        _time = time;
        _limit = options.Value.MaxFailedAuthPerWindow;
        _window = options.Value.FailedAuthWindow;
        _sweptAt = time.GetUtcNow();
    }

    /// <summary>The windows held now (for tests).</summary>
    internal int Entries
    {
        get
        {
            lock (_gate)
            {
                return _windows.Count;
            }
        }
    }

    /// <summary>The windows the sweeps have looked at so far (for tests).</summary>
    internal long SweptEntries { get; private set; }

    /// <summary>How long <paramref name="source"/> must wait before it may try again; null when it may try now.</summary>
    public TimeSpan? RetryAfter(string source)
    {
        ArgumentNullException.ThrowIfNull(source);
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            var wait = Held(source, now);
            return wait is null && _networks > 0 && NetworkOf(source) is { } network ? Held(network, now) : wait;
        }
    }

    /// <summary>Counts one failed authentication from <paramref name="source"/>.</summary>
    public void RecordFailure(string source)
    {
        ArgumentNullException.ThrowIfNull(source);
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            _failuresSinceSweep++;
            if (Count(source, now))
            {
                return;
            }

            var network = NetworkOf(source);
            if (network is not null && Count(network, now))
            {
                return;
            }

            if (_windows.Count >= MaxAddresses && (now >= _sweptAt + _window || _failuresSinceSweep >= MaxEntries))
            {
                Sweep(now);
            }

            if (_windows.Count < MaxAddresses)
            {
                Open(source, now, isNetwork: false);
            }
            else if (network is not null)
            {
                Open(network, now, isNetwork: true);
            }
        }
    }

    // The wait of a live window over the limit; null for none.
    private TimeSpan? Held(string key, DateTimeOffset now) =>
        _windows.TryGetValue(key, out var window) && window.Ends > now && window.Failures >= _limit ? window.Ends - now : null;

    // Counts a failure in the key's live window; false when it has none.
    private bool Count(string key, DateTimeOffset now)
    {
        if (!_windows.TryGetValue(key, out var window) || window.Ends <= now)
        {
            return false;
        }

        _windows[key] = window with { Failures = window.Failures + 1 };
        return true;
    }

    // A new window of one failure, in the room there is (an expired window of the key is replaced in place).
    private void Open(string key, DateTimeOffset now, bool isNetwork)
    {
        if (_windows.TryGetValue(key, out var expired))
        {
            _windows[key] = expired with { Ends = now + _window, Failures = 1 };
        }
        else if (_windows.Count < MaxEntries)
        {
            _windows[key] = new Window(now + _window, 1, isNetwork);
            _networks += isNetwork ? 1 : 0;
        }
    }

    private void Sweep(DateTimeOffset now)
    {
        SweptEntries += _windows.Count;
        foreach (var (key, window) in _windows)
        {
            if (window.Ends <= now)
            {
                _windows.Remove(key);
                _networks -= window.IsNetwork ? 1 : 0;
            }
        }

        _sweptAt = now;
        _failuresSinceSweep = 0;
    }

    // The network a source is counted against past MaxAddresses: an IPv6 address's (or /64's) /48; null for IPv4 and others.
    private static string? NetworkOf(string source)
    {
        var address = source.EndsWith("/64", StringComparison.Ordinal) ? source[..^3] : source;
        if (!IPAddress.TryParse(address, out var parsed) || parsed.AddressFamily != AddressFamily.InterNetworkV6 || parsed.IsIPv4MappedToIPv6)
        {
            return null;
        }

        var bytes = parsed.GetAddressBytes();
        Array.Clear(bytes, 6, bytes.Length - 6);
        return new IPAddress(bytes) + "/48";
    }

    private sealed record Window(DateTimeOffset Ends, int Failures, bool IsNetwork);
}
