using System.Collections.Concurrent;
using Gateway.Proxy.Telemetry;
using Gateway.Store;

namespace Gateway.Proxy.Reservations;

/// <summary>
/// What model calls used beyond what they reserved, whose settle the store failed: tokens added to their budgets (by
/// <see cref="TokenBudgets"/>) or tokens and cost added to a run's counters (by <see cref="RunCounters"/>), off the
/// response path, with a backoff from <see cref="FirstDelay"/> doubling to <see cref="MaxDelay"/> on the
/// <see cref="TimeProvider"/>, until the store takes them, or a budget's window slot has ended (the store then settles
/// nothing, and the next window starts afresh), or a run's counter is gone (it expires with its run; the store adds nothing
/// to a counter it no longer has). The excess of one budget and slot, or of one counter, is held as one sum, so what is
/// held stays bounded by the budgets and runs in use. A retry whose reply was lost (a timeout after Redis ran it) is sent
/// again: the budget or counter then counts the excess twice, never less than was spent. At shutdown what is held is tried
/// once more; only a process that dies with an excess held (or a store down until the slot ends or the run's counter
/// expires) leaves it uncounted, logged and counted in <c>gateway.budget.settle.retries</c> or
/// <c>gateway.run.settle.retries</c> (<c>result</c>: <c>expired</c>, <c>lost</c>).
/// </summary>
internal sealed partial class BudgetSettleRetries : IAsyncDisposable, IDisposable
{
    /// <summary>The wait before the first retry, and after a round that settled everything it tried.</summary>
    public static readonly TimeSpan FirstDelay = TimeSpan.FromMilliseconds(250);

    /// <summary>The longest wait between retries while the store keeps failing.</summary>
    public static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long past its slot's end by this replica's clock an excess is still sent: the store decides by its own clock
    /// whether the slot has ended, which this replica's may trail by up to <c>Gateway:Authentication:MaxStoreClockSkew</c>.
    /// </summary>
    public static readonly TimeSpan PastSlotEnd = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<Held, long> _held = new();
    private readonly IStateStore _store;
    private readonly GatewayMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _gate = new();
    private Task _retrying = Task.CompletedTask;
    private bool _running;

    public BudgetSettleRetries(IStateStore store, GatewayMetrics metrics, TimeProvider time, ILogger logger)
    {
        _store = store;
        _metrics = metrics;
        _time = time;
        _logger = logger;
    }

    /// <summary>The excess held for retry, over every budget, slot and run counter (tokens; a run's cost in micro-units).</summary>
    public long HeldTokens => _held.Values.Sum();

    /// <summary>Holds <paramref name="excess"/> tokens of <paramref name="reservation"/>'s budget and slot for retry, and starts retrying.</summary>
    public void Add(TokenReservation reservation, long excess) => Hold(new Held(reservation.Key, reservation.Window, reservation.Slot), excess);

    /// <summary>Holds <paramref name="excess"/> of a run's counter <paramref name="counterKey"/> (tokens, or cost in micro-units) for retry, and starts retrying.</summary>
    public void Add(string counterKey, long excess) => Hold(new Held(counterKey, null, 0), excess);

    private void Hold(Held key, long excess)
    {
        _held.AddOrUpdate(key, excess, (_, held) => held + excess);
        lock (_gate)
        {
            if (!_running && !_stopping.IsCancellationRequested)
            {
                _running = true;
                _retrying = RetryAsync();
            }
        }
    }

    private async Task RetryAsync()
    {
        var delay = FirstDelay;
        try
        {
            while (true)
            {
                await Task.Delay(delay, _time, _stopping.Token).ConfigureAwait(false);
                delay = await SendHeldAsync().ConfigureAwait(false) ? FirstDelay : TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxDelay.Ticks));
                lock (_gate)
                {
                    if (_held.IsEmpty)
                    {
                        _running = false;
                        return;
                    }
                }
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            // Stopping: DisposeAsync sends what is held once more.
        }
    }

    // One round: each budget's and slot's, and each counter's, excess sent once. True when none failed.
    private async Task<bool> SendHeldAsync()
    {
        var settledAll = true;
        foreach (var key in _held.Keys)
        {
            if (!_held.TryRemove(key, out var excess))
            {
                continue;
            }

            if (SlotEnded(key))
            {
                Count(key, "expired");
                LogExpired(key, excess);
                continue;
            }

            try
            {
                var settled = key.Window is { } window
                    // Settled as a reservation of 0 that used the excess: the store adds it to the slot while that lasts.
                    ? await _store.SettleAsync(key.Key, 0, excess, window, key.Slot, CancellationToken.None).ConfigureAwait(false) >= 0
                    // Added to the counter while it exists: a counter that expired with its run stays absent.
                    : (await _store.AdjustCountersAsync([new CounterAdjustment(key.Key, excess)], CancellationToken.None).ConfigureAwait(false))[0] is not null;
                Count(key, settled ? "settled" : "expired");
                if (settled)
                {
                    LogSettled(key, excess);
                }
                else
                {
                    LogExpired(key, excess);
                }
            }
            catch (StateStoreUnavailableException)
            {
                _held.AddOrUpdate(key, excess, (_, held) => held + excess);
                Count(key, "failed");
                settledAll = false;
            }
        }

        return settledAll;
    }

    // Whether a budget's slot ended long enough ago by this replica's clock that the store, by its own, settles nothing in
    // it. A run's counter has no slot: the store says whether it still exists.
    private bool SlotEnded(Held key)
    {
        if (key.Window is not { } window)
        {
            return false;
        }

        var windowMs = Math.Max(1, (long)window.TotalMilliseconds);
        return _time.GetUtcNow().ToUnixTimeMilliseconds() >= ((key.Slot + 1) * windowMs) + (long)PastSlotEnd.TotalMilliseconds;
    }

    // One retry's result, in the instrument of what was held (a budget's or a run's).
    private void Count(Held key, string result) =>
        (key.Window is null ? _metrics.RunSettleRetries : _metrics.BudgetSettleRetries).Add(1, new KeyValuePair<string, object?>("result", result));

    /// <summary>Stops retrying, then sends what is held once more; what the store does not take then is logged as lost.</summary>
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        if (!_held.IsEmpty)
        {
            await SendHeldAsync().ConfigureAwait(false);
        }

        ReportLost();
        _stopping.Dispose();
    }

    /// <summary>Stops retrying; what is held is logged as lost (the container disposed without awaiting).</summary>
    public void Dispose()
    {
        _stopping.Cancel();
        ReportLost();
    }

    private async Task StopAsync()
    {
        Task retrying;
        lock (_gate)
        {
            retrying = _retrying;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        await retrying.ConfigureAwait(false);
    }

    private void ReportLost()
    {
        foreach (var key in _held.Keys)
        {
            if (_held.TryRemove(key, out var excess))
            {
                Count(key, "lost");
                LogLost(key, excess);
            }
        }
    }

    private void LogSettled(Held key, long excess)
    {
        if (key.Window is null)
        {
            LogCounterSettled(_logger, excess, key.Key);
        }
        else
        {
            LogSettled(_logger, excess, key.Key);
        }
    }

    private void LogExpired(Held key, long excess)
    {
        if (key.Window is null)
        {
            LogCounterExpired(_logger, excess, key.Key);
        }
        else
        {
            LogExpired(_logger, excess, key.Key);
        }
    }

    private void LogLost(Held key, long excess)
    {
        if (key.Window is null)
        {
            LogCounterLost(_logger, excess, key.Key);
        }
        else
        {
            LogLost(_logger, excess, key.Key);
        }
    }

    /// <summary>A budget's slot an excess belongs to, or a run's counter (<paramref name="Window"/> null, no slot).</summary>
    private readonly record struct Held(string Key, TimeSpan? Window, long Slot);

    [LoggerMessage(EventId = 3342, Level = LogLevel.Information, Message = "{Tokens} tokens used beyond a reservation were settled in budget {Budget} on retry.")]
    private static partial void LogSettled(ILogger logger, long tokens, string budget);

    [LoggerMessage(EventId = 3343, Level = LogLevel.Error, Message = "{Tokens} tokens used beyond a reservation were not settled in budget {Budget}: the store did not take them before the budget's window ended.")]
    private static partial void LogExpired(ILogger logger, long tokens, string budget);

    [LoggerMessage(EventId = 3344, Level = LogLevel.Error, Message = "{Tokens} tokens used beyond a reservation were not settled in budget {Budget}: the gateway stopped with the store unavailable.")]
    private static partial void LogLost(ILogger logger, long tokens, string budget);

    [LoggerMessage(EventId = 3345, Level = LogLevel.Information, Message = "{Amount} used beyond a reservation was added to the run's counter {Counter} on retry.")]
    private static partial void LogCounterSettled(ILogger logger, long amount, string counter);

    [LoggerMessage(EventId = 3346, Level = LogLevel.Error, Message = "{Amount} used beyond a reservation was not added to the run's counter {Counter}: the counter expired with its run before the store took it.")]
    private static partial void LogCounterExpired(ILogger logger, long amount, string counter);

    [LoggerMessage(EventId = 3347, Level = LogLevel.Error, Message = "{Amount} used beyond a reservation was not added to the run's counter {Counter}: the gateway stopped with the store unavailable.")]
    private static partial void LogCounterLost(ILogger logger, long amount, string counter);
}
