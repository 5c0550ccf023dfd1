using System.Collections.Concurrent;
using Gateway.Proxy.Telemetry;
using Gateway.Store;

namespace Gateway.Proxy.Reservations;

/// <summary>
/// The tokens model calls used beyond what they reserved, whose settle the store failed: added to their budgets off the
/// response path, with a backoff from <see cref="FirstDelay"/> doubling to <see cref="MaxDelay"/> on the
/// <see cref="TimeProvider"/>, until the store takes them or the window slot they belong to has ended (the store then
/// settles nothing, and the next window starts afresh). The excess of one budget and slot is held as one sum, so what is held
/// stays bounded by the budgets in use. A retry whose reply was lost (a timeout after Redis ran it) is sent again: the
/// budget then counts the excess twice, never less than was spent. At shutdown what is held is tried once more; only a
/// process that dies with an excess held (or a store down until the slot ends) leaves it uncounted, logged and counted in
/// <c>gateway.budget.settle.retries</c> (<c>result</c>: <c>expired</c>, <c>lost</c>).
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

    /// <summary>The excess tokens held for retry, over every budget and slot.</summary>
    public long HeldTokens => _held.Values.Sum();

    /// <summary>Holds <paramref name="excess"/> tokens of <paramref name="reservation"/>'s budget and slot for retry, and starts retrying.</summary>
    public void Add(TokenReservation reservation, long excess)
    {
        _held.AddOrUpdate(new Held(reservation.Key, reservation.Window, reservation.Slot), excess, (_, held) => held + excess);
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

    // One round: each budget's and slot's excess sent once. True when none failed.
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
                _metrics.BudgetSettleRetries.Add(1, new KeyValuePair<string, object?>("result", "expired"));
                LogExpired(_logger, excess, key.Key);
                continue;
            }

            try
            {
                // Settled as a reservation of 0 that used the excess: the store adds it to the slot while that lasts.
                var used = await _store.SettleAsync(key.Key, 0, excess, key.Window, key.Slot, CancellationToken.None).ConfigureAwait(false);
                _metrics.BudgetSettleRetries.Add(1, new KeyValuePair<string, object?>("result", used < 0 ? "expired" : "settled"));
                if (used < 0)
                {
                    LogExpired(_logger, excess, key.Key);
                }
                else
                {
                    LogSettled(_logger, excess, key.Key);
                }
            }
            catch (StateStoreUnavailableException)
            {
                _held.AddOrUpdate(key, excess, (_, held) => held + excess);
                _metrics.BudgetSettleRetries.Add(1, new KeyValuePair<string, object?>("result", "failed"));
                settledAll = false;
            }
        }

        return settledAll;
    }

    // Whether the slot ended long enough ago by this replica's clock that the store, by its own, settles nothing in it.
    private bool SlotEnded(Held key)
    {
        var windowMs = Math.Max(1, (long)key.Window.TotalMilliseconds);
        return _time.GetUtcNow().ToUnixTimeMilliseconds() >= ((key.Slot + 1) * windowMs) + (long)PastSlotEnd.TotalMilliseconds;
    }

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
                _metrics.BudgetSettleRetries.Add(1, new KeyValuePair<string, object?>("result", "lost"));
                LogLost(_logger, excess, key.Key);
            }
        }
    }

    /// <summary>A budget's slot an excess belongs to.</summary>
    private readonly record struct Held(string Key, TimeSpan Window, long Slot);

    [LoggerMessage(EventId = 3342, Level = LogLevel.Information, Message = "{Tokens} tokens used beyond a reservation were settled in budget {Budget} on retry.")]
    private static partial void LogSettled(ILogger logger, long tokens, string budget);

    [LoggerMessage(EventId = 3343, Level = LogLevel.Error, Message = "{Tokens} tokens used beyond a reservation were not settled in budget {Budget}: the store did not take them before the budget's window ended.")]
    private static partial void LogExpired(ILogger logger, long tokens, string budget);

    [LoggerMessage(EventId = 3344, Level = LogLevel.Error, Message = "{Tokens} tokens used beyond a reservation were not settled in budget {Budget}: the gateway stopped with the store unavailable.")]
    private static partial void LogLost(ILogger logger, long tokens, string budget);
}
