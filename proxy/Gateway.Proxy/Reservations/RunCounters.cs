using Gateway.Connectors.Models;
using Gateway.Proxy.Telemetry;
using Gateway.Store;

namespace Gateway.Proxy.Reservations;

/// <summary>
/// A run's counters in the shared store (<c>run_limits</c>): what a request's admission reserved in them
/// (<see cref="RunReservation"/>, reserved by the Admit stage's <c>RunLimitGate</c> in the admission's store call) is
/// settled by the Respond stage against the usage the provider reports, or given back when nothing was forwarded.
/// Shared by the stages that hold a reservation, so none calls another. A settle the store fails never leaves a counter
/// counting less than was spent (<see cref="SettleAsync"/>).
/// </summary>
internal sealed partial class RunCounters : IAsyncDisposable, IDisposable
{
    private readonly IStateStore _store;
    private readonly GatewayMetrics _metrics;
    private readonly ILogger _logger;
    private readonly BudgetSettleRetries _retries;

    public RunCounters(IStateStore store, GatewayMetrics metrics, TimeProvider? time = null, ILogger<RunCounters>? logger = null)
    {
        _store = store;
        _metrics = metrics;
        _logger = logger ?? (ILogger)Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
        _retries = new BudgetSettleRetries(store, metrics, time ?? TimeProvider.System, _logger);
    }

    /// <summary>What was used beyond reservations whose settle failed, held for retry (<see cref="BudgetSettleRetries"/>): tokens, and cost in micro-units.</summary>
    public long HeldForRetry => _retries.HeldTokens;

    /// <summary>
    /// Settles what <paramref name="reservation"/> holds against <paramref name="usage"/>, the tokens the provider reported;
    /// without a report, gives it back when nothing was <paramref name="forwarded"/>, else lets it stand (the run errs on the
    /// side of having spent more). A forwarded call whose stream was <paramref name="cut"/> before its end reported only part
    /// of its use: each counter is settled to the more of that part and what it reserved (as its token budget is), never
    /// below. A store that fails never leaves a counter counting less than was spent: a counter's refund (use at most what
    /// was reserved) is not sent again, since a refund whose reply was lost may have been made and a second would
    /// under-count, so its reservation stands; use beyond the reservation is held and retried off the response path
    /// (<see cref="BudgetSettleRetries"/>) until the store takes it or the counter has expired with its run.
    /// </summary>
    public async ValueTask SettleAsync(RunReservation reservation, ModelUsage? usage, bool forwarded, bool cut = false)
    {
        if (!reservation.HoldsSpend || (usage is null && forwarded))
        {
            return;
        }

        var atLeastReserved = cut && forwarded;
        var adjustments = new List<CounterAdjustment>(2);
        if (reservation.TokensKey is { } tokens)
        {
            adjustments.Add(new CounterAdjustment(tokens, Delta(usage?.TotalTokens ?? 0, reservation.Tokens, atLeastReserved)));
        }

        if (reservation.CostKey is { } cost)
        {
            var spent = usage is null || reservation.SettledPricing is not { } pricing ? 0 : usage.CostMicros(pricing);
            adjustments.Add(new CounterAdjustment(cost, Delta(spent, reservation.CostMicros, atLeastReserved)));
        }

        if (adjustments.TrueForAll(static a => a.Delta == 0))
        {
            return;
        }

        try
        {
            await _store.AdjustCountersAsync(adjustments, CancellationToken.None).ConfigureAwait(false);
        }
        catch (StateStoreUnavailableException ex)
        {
            // The reservations stand (a run's limit errs on the side of having spent more, never less); what was used
            // beyond them is retried.
            var excess = false;
            foreach (var (key, delta) in adjustments)
            {
                if (delta > 0)
                {
                    excess = true;
                    LogExcessHeld(_logger, ex, reservation.RunId, key, delta);
                    _retries.Add(key, delta);
                }
            }

            _metrics.RunSettleFailures.Add(1, new KeyValuePair<string, object?>("held", excess ? "excess" : "reservation"));
            if (!excess)
            {
                LogReservationStands(_logger, ex, reservation.RunId);
            }
        }
    }

    // What a counter moves by, from what it reserved to what was spent; when the spend is only a floor, never down.
    private static long Delta(long spent, long reserved, bool atLeastReserved) => atLeastReserved ? Math.Max(0, spent - reserved) : spent - reserved;

    /// <summary>Gives what <paramref name="reservation"/> holds back whole: the request it was made for is not forwarded.</summary>
    public ValueTask ReleaseAsync(RunReservation reservation) => SettleAsync(reservation, null, forwarded: false);

    /// <summary>Stops retrying and sends what is held once more (the host's shutdown).</summary>
    public ValueTask DisposeAsync() => _retries.DisposeAsync();

    public void Dispose() => _retries.Dispose();

    [LoggerMessage(EventId = 3348, Level = LogLevel.Warning, Message = "The settle of run {Run}'s counters failed: {Excess} used beyond the reservation in {Counter} is held and retried.")]
    private static partial void LogExcessHeld(ILogger logger, Exception exception, string run, string counter, long excess);

    [LoggerMessage(EventId = 3349, Level = LogLevel.Warning, Message = "The settle of run {Run}'s counters failed: what was reserved stays counted.")]
    private static partial void LogReservationStands(ILogger logger, Exception exception, string run);
}
