using Gateway.Connectors.Models;
using Gateway.Store;

namespace Gateway.Proxy.Reservations;

/// <summary>
/// A run's counters in the shared store (<c>run_limits</c>): what a request's admission reserved in them
/// (<see cref="RunReservation"/>, reserved by the Admit stage's <c>RunLimitGate</c> in the admission's store call) is
/// settled by the Respond stage against the usage the provider reports, or given back when nothing was forwarded.
/// Shared by the stages that hold a reservation, so none calls another.
/// </summary>
internal sealed class RunCounters
{
    private readonly IStateStore _store;

    public RunCounters(IStateStore store) => _store = store;

    /// <summary>
    /// Settles what <paramref name="reservation"/> holds against <paramref name="usage"/>, the tokens the provider reported;
    /// without a report, gives it back when nothing was <paramref name="forwarded"/>, else lets it stand (the run errs on the
    /// side of having spent more). A forwarded call whose stream was <paramref name="cut"/> before its end reported only part
    /// of its use: each counter is settled to the more of that part and what it reserved (as its token budget is), never
    /// below. A store that fails leaves the reservation standing.
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
            var spent = usage is null || reservation.Pricing is not { } pricing ? 0 : pricing.CostMicros(usage.InputTokens, usage.OutputTokens);
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
        catch (StateStoreUnavailableException)
        {
            // The reservation stands: a run's limit errs on the side of having spent more, never less.
        }
    }

    // What a counter moves by, from what it reserved to what was spent; when the spend is only a floor, never down.
    private static long Delta(long spent, long reserved, bool atLeastReserved) => atLeastReserved ? Math.Max(0, spent - reserved) : spent - reserved;

    /// <summary>Gives what <paramref name="reservation"/> holds back whole: the request it was made for is not forwarded.</summary>
    public ValueTask ReleaseAsync(RunReservation reservation) => SettleAsync(reservation, null, forwarded: false);
}
