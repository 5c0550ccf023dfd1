using Gateway.Connectors.Models;
using Gateway.Proxy.Configuration;
using Gateway.Proxy.Enforce;
using Gateway.Proxy.Forward;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Record;
using Gateway.Proxy.Reservations;
using Gateway.Proxy.Telemetry;
using Gateway.Store;
using Microsoft.Extensions.Options;

namespace Gateway.Proxy.Respond;

/// <summary>
/// Settles what a request holds: what Enforce took up of its token budget (settled against use), else the admission's own
/// (not forwarded: released), and what its run's counters hold for the call (given back when nothing was forwarded). A call
/// that went out and got no answer (a timeout, the agent gone) is settled as spending all it reserved; one whose stream was
/// cut, as spending the more of what the provider reported and what it reserved, in the budget and the run alike. With
/// <c>Gateway:Admission:SettleWithOutcome</c> a forwarded call's budget settle may ride its outcome's append instead
/// (<see cref="RidingSettle"/>). A call that may have reached the provider and reported no usage the gateway could read is
/// counted (<see cref="GatewayMetrics.UsageUnread"/>): it is charged its reservation, which may be less than the provider bills.
/// </summary>
internal sealed class ReservationSettler(TokenBudgets budgets, RunCounters runs, IOptions<GatewayOptions> options, GatewayMetrics metrics)
{
    private readonly bool _settleWithOutcome = options.Value.Admission.SettleWithOutcome;

    /// <summary>
    /// The budget's settle to hand to the outcome's append (<see cref="OutcomeRecorder.RecordAsync"/>); null when
    /// the request holds no granted reservation or settles do not ride outcomes, and when the call used more than it
    /// reserved: an append the store fails goes to the audit backlog without its settle, which leaves the reservation
    /// standing, so only a settle that gives back (or leaves the budget as it is) may ride; one that charges more is made
    /// apart, where a failure is retried (<see cref="TokenBudgets.SettleAsync"/>).
    /// </summary>
    public BudgetSettle? RidingSettle(HttpContext context, GatewayRequestFeature feature) =>
        _settleWithOutcome && Reservation(feature) is { } reservation && Used(context, feature, reservation) is var used && used <= reservation.Reserved
            ? new BudgetSettle(reservation.Key, reservation.Reserved, used, reservation.Window, reservation.Slot)
            : null;

    /// <summary>
    /// Starts settling, the two at once; null when the request holds nothing to wait for. Where the outcome's append carries
    /// the budget's settle (<paramref name="budgetRidesOutcome"/>, <see cref="RidingSettle"/>) nothing more is started or
    /// waited for: the chain's appends are made in order, and in one store call settles come before admissions, so the
    /// chain's next admission sees it settled.
    /// </summary>
    public Task? Start(HttpContext context, GatewayRequestFeature feature, bool budgetRidesOutcome = false)
    {
        if ((Reservation(feature) is { Reserved: > 0 } || RecordedDecision.AdmissionOf(feature)?.Run is { HoldsSpend: true })
            && Usage(feature) is null && UpstreamReach.MayHaveReached(context, feature))
        {
            metrics.UsageUnread.Add(1);
        }

        var budget = !budgetRidesOutcome && Reservation(feature) is { } reservation
            ? budgets.SettleAsync(reservation, Used(context, feature, reservation), CancellationToken.None).AsTask()
            : null;
        var run = RecordedDecision.AdmissionOf(feature)?.Run is { HoldsSpend: true } held
            ? runs.SettleAsync(held, Usage(feature), forwarded: UpstreamReach.MayHaveReached(context, feature), cut: StreamCut(feature)).AsTask()
            : null;
        return budget is not null && run is not null ? Task.WhenAll(budget, run) : budget ?? run;
    }

    // What the request holds of its token budget: Enforce's reservation, else the admission's; null when none was granted.
    private static TokenReservation? Reservation(GatewayRequestFeature feature) =>
        (feature.Find<TokenReservation>() ?? RecordedDecision.AdmissionOf(feature)?.Reservation) is { Granted: true } reservation ? reservation : null;

    // The tokens the call used: the provider's report, else all it reserved when it may have spent (the upstream may have
    // received it: UpstreamReach), else none. A stream cut before its end reported only part of it: at least all it reserved then.
    private static long Used(HttpContext context, GatewayRequestFeature feature, TokenReservation reservation)
    {
        var reported = Usage(feature)?.TotalTokens;
        return !UpstreamReach.MayHaveReached(context, feature) ? reported ?? 0
            : StreamCut(feature) ? Math.Max(reported ?? 0, reservation.Reserved)
            : reported ?? reservation.Reserved;
    }

    // Whether the call's streamed response ended before its terminal event (the agent went away, or the provider did): on
    // the provider route as it streamed, on the model route as its answer was read.
    private static bool StreamCut(GatewayRequestFeature feature) =>
        feature.Find<ForwardPlan>()?.Usage is { StreamCut: true } || feature.Find<UpstreamResponse>()?.Result is { UsageCut: true };

    /// <summary>The tokens the provider reported for the call (a streamed body's, else the result's); null when it reported none.</summary>
    private static ModelUsage? Usage(GatewayRequestFeature feature) =>
        feature.Find<ForwardPlan>()?.Usage?.Usage ?? feature.Find<UpstreamResponse>()?.Result?.Usage;
}
