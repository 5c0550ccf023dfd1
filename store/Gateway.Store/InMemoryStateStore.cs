using System.Collections.Concurrent;
using System.Text;

namespace Gateway.Store;

/// <summary>
/// The embedded store: one process, no persistence, everything under one lock per operation so
/// that each call is atomic exactly as its Redis counterpart is. Expiry uses <see cref="TimeProvider"/>.
/// </summary>
public sealed class InMemoryStateStore : IStateStore
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private long _operations;

    public InMemoryStateStore(TimeProvider? timeProvider = null)
    {
        _time = timeProvider ?? TimeProvider.System;
    }

    public ValueTask<bool> TrySetIfAbsentAsync(string key, string value, TimeSpan expiry, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            var now = Now;
            Sweep(now);
            if (TryGetLive(key, now, out _))
            {
                return ValueTask.FromResult(false);
            }

            _entries[key] = new Entry(value, now + expiry);
            return ValueTask.FromResult(true);
        }
    }

    public ValueTask<string?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            return ValueTask.FromResult(TryGetLive(key, Now, out var entry) ? entry.Value as string : null);
        }
    }

    public ValueTask SetAsync(string key, string value, TimeSpan? expiry, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            var now = Now;
            _entries[key] = new Entry(value, expiry is { } e ? now + e : null);
            return ValueTask.CompletedTask;
        }
    }

    public ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            var existed = TryGetLive(key, Now, out _);
            _entries.TryRemove(key, out _);
            return ValueTask.FromResult(existed);
        }
    }

    public ValueTask<string?> TakeAsync(string key, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            var value = TryGetLive(key, Now, out var entry) ? entry.Value as string : null;
            _entries.TryRemove(key, out _);
            return ValueTask.FromResult(value);
        }
    }

    public ValueTask<long> IncrementAsync(string key, long delta, TimeSpan? expiry, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            var now = Now;
            return ValueTask.FromResult(AddLocked(key, delta, expiry, now));
        }
    }

    public ValueTask<AdmissionOutcome> AdmitAsync(AdmissionRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.SwitchKeys.Count > AdmissionRequest.MaxSwitchKeys)
        {
            throw new ArgumentException($"At most {AdmissionRequest.MaxSwitchKeys} kill-switch keys per admission.", nameof(request));
        }

        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            var now = Now;
            Sweep(now);
            if (TryGetLive(request.NonceKey, now, out _))
            {
                return ValueTask.FromResult(new AdmissionOutcome(false, 0, RateLimitOutcome.Admit));
            }

            _entries[request.NonceKey] = new Entry(request.NonceValue, now + request.NonceLifetime);
            var switches = 0u;
            for (var i = 0; i < request.SwitchKeys.Count; i++)
            {
                if (TryGetLive(request.SwitchKeys[i], now, out _))
                {
                    switches |= 1u << i;
                }
            }

            return ValueTask.FromResult(new AdmissionOutcome(true, switches, AcquireLocked(request.Windows, now)));
        }
    }

    public ValueTask<BudgetOutcome> TryReserveAsync(string key, long amount, long limit, TimeSpan window, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            var now = Now;
            var (slotKey, resetsIn) = WindowSlot(key, window, now);
            var used = TryGetLive(slotKey, now, out var entry) ? (long)entry.Value! : 0;
            if (used + amount > limit)
            {
                return ValueTask.FromResult(new BudgetOutcome(false, used, limit, resetsIn));
            }

            used = AddLocked(slotKey, amount, resetsIn, now);
            return ValueTask.FromResult(new BudgetOutcome(true, used, limit, resetsIn));
        }
    }

    public ValueTask<long> SettleAsync(string key, long reserved, long actual, TimeSpan window, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            var now = Now;
            var (slotKey, resetsIn) = WindowSlot(key, window, now);
            var used = AddLocked(slotKey, actual - reserved, resetsIn, now);
            if (used < 0)
            {
                _entries[slotKey] = _entries[slotKey] with { Value = 0L };
                used = 0;
            }

            return ValueTask.FromResult(used);
        }
    }

    public ValueTask<long> SetAddAsync(string key, string member, TimeSpan? expiry, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            var now = Now;
            if (!TryGetLive(key, now, out var entry) || entry.Value is not HashSet<string> set)
            {
                set = new HashSet<string>(StringComparer.Ordinal);
                _entries[key] = new Entry(set, expiry is { } e ? now + e : null);
            }

            set.Add(member);
            return ValueTask.FromResult((long)set.Count);
        }
    }

    public ValueTask<IReadOnlyList<string>> SetMembersAsync(string key, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            IReadOnlyList<string> members = TryGetLive(key, Now, out var entry) && entry.Value is HashSet<string> set
                ? [.. set.Order(StringComparer.Ordinal)]
                : [];
            return ValueTask.FromResult(members);
        }
    }

    public ValueTask<bool> TryAppendAsync(string logKey, long expectedLength, string entry, CancellationToken cancellationToken = default) =>
        TryAppend(logKey, expectedLength, [entry], cancellationToken);

    public ValueTask<bool> TryAppendAsync(string logKey, long expectedLength, IReadOnlyList<byte[]> entries, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entries);
        return TryAppend(logKey, expectedLength, [.. entries.Select(static entry => Encoding.UTF8.GetString(entry))], cancellationToken);
    }

    private ValueTask<bool> TryAppend(string logKey, long expectedLength, string[] entries, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfZero(entries.Length);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            var log = GetLog(logKey, create: true)!;
            if (log.Count != expectedLength)
            {
                return ValueTask.FromResult(false);
            }

            log.AddRange(entries);
            return ValueTask.FromResult(true);
        }
    }

    public ValueTask<long> LogLengthAsync(string logKey, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            return ValueTask.FromResult((long)(GetLog(logKey, create: false)?.Count ?? 0));
        }
    }

    public ValueTask<IReadOnlyList<string>> ReadLogAsync(string logKey, long start, int count, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            var log = GetLog(logKey, create: false);
            if (log is null || start >= log.Count)
            {
                return ValueTask.FromResult<IReadOnlyList<string>>([]);
            }

            var take = (int)Math.Min(count, log.Count - start);
            return ValueTask.FromResult<IReadOnlyList<string>>(log.GetRange((int)start, take));
        }
    }

    public ValueTask PingAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.CompletedTask;
    }

    private DateTimeOffset Now => _time.GetUtcNow();

    private RateLimitOutcome AcquireLocked(IReadOnlyList<RateLimitWindow> windows, DateTimeOffset now)
    {
        for (var i = 0; i < windows.Count; i++)
        {
            var w = windows[i];
            var (slotKey, resetsIn) = WindowSlot(w.Key, w.Window, now);
            var used = TryGetLive(slotKey, now, out var entry) ? (long)entry.Value! : 0;
            if (used + w.Permits > w.Limit)
            {
                return new RateLimitOutcome(false, i, resetsIn);
            }
        }

        foreach (var w in windows)
        {
            var (slotKey, resetsIn) = WindowSlot(w.Key, w.Window, now);
            AddLocked(slotKey, w.Permits, resetsIn, now);
        }

        return RateLimitOutcome.Admit;
    }

    private static (string SlotKey, TimeSpan ResetsIn) WindowSlot(string key, TimeSpan window, DateTimeOffset now)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(window, TimeSpan.Zero);
        var windowMs = (long)window.TotalMilliseconds;
        var nowMs = now.ToUnixTimeMilliseconds();
        var slot = nowMs / windowMs;
        var resetsIn = TimeSpan.FromMilliseconds(((slot + 1) * windowMs) - nowMs);
        return ($"{key}:{slot}", resetsIn);
    }

    private List<string>? GetLog(string logKey, bool create)
    {
        if (_entries.TryGetValue(logKey, out var entry) && entry.Value is List<string> log)
        {
            return log;
        }

        if (!create)
        {
            return null;
        }

        log = [];
        _entries[logKey] = new Entry(log, null);
        return log;
    }

    private long AddLocked(string key, long delta, TimeSpan? expiry, DateTimeOffset now)
    {
        if (TryGetLive(key, now, out var entry))
        {
            var value = (long)entry.Value! + delta;
            _entries[key] = entry with { Value = value };
            return value;
        }

        _entries[key] = new Entry(delta, expiry is { } e ? now + e : null);
        return delta;
    }

    private bool TryGetLive(string key, DateTimeOffset now, out Entry entry)
    {
        if (_entries.TryGetValue(key, out entry!) && (entry.ExpiresAt is null || entry.ExpiresAt > now))
        {
            return true;
        }

        if (entry is not null)
        {
            _entries.TryRemove(key, out _);
        }

        entry = null!;
        return false;
    }

    // Amortised clean-up of expired keys: nonces would otherwise accumulate for ever.
    private void Sweep(DateTimeOffset now)
    {
        if (++_operations % 4096 != 0)
        {
            return;
        }

        foreach (var pair in _entries)
        {
            if (pair.Value.ExpiresAt is { } at && at <= now)
            {
                _entries.TryRemove(pair.Key, out _);
            }
        }
    }

    private sealed record Entry(object Value, DateTimeOffset? ExpiresAt);
}
