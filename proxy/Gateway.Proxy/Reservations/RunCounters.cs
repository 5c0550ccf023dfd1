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
    /// side of having spent more). A store that fails leaves the reservation standing.
    /// </summary>
    public async ValueTask SettleAsync(RunReservation reservation, ModelUsage? usage, bool forwarded)
    {
        if (!reservation.HoldsSpend || (usage is null && forwarded))
        {
            return;
        }

        var adjustments = new List<CounterAdjustment>(2);
        if (reservation.TokensKey is { } tokens)
        {
            adjustments.Add(new CounterAdjustment(tokens, (usage?.TotalTokens ?? 0) - reservation.Tokens));
        }

        if (reservation.CostKey is { } cost)
        {
            var spent = usage is null || reservation.Pricing is not { } pricing ? 0 : pricing.CostMicros(usage.InputTokens, usage.OutputTokens);
            adjustments.Add(new CounterAdjustment(cost, spent - reservation.CostMicros));
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

    /// <summary>Gives what <paramref name="reservation"/> holds back whole: the request it was made for is not forwarded.</summary>
    public ValueTask ReleaseAsync(RunReservation reservation) => SettleAsync(reservation, null, forwarded: false);
}
