using Gateway.Connectors.Models;
using Gateway.Proxy.Enforce;
using Gateway.Proxy.Forward;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Record;
using Gateway.Proxy.Reservations;

namespace Gateway.Proxy.Respond;

/// <summary>
/// Settles what a request holds: what Enforce took up of its token budget (settled against use), else the admission's own
/// (not forwarded: released), and what its run's counters hold for the call (given back when nothing was forwarded).
/// </summary>
internal sealed class ReservationSettler(TokenBudgets budgets, RunCounters runs)
{
    /// <summary>Starts settling, the two at once; null when the request holds nothing.</summary>
    public Task? Start(GatewayRequestFeature feature)
    {
        var budget = (feature.Find<TokenReservation>() ?? RecordedDecision.AdmissionOf(feature)?.Reservation) is { Granted: true } reservation
            ? SettleAsync(feature, reservation)
            : null;
        var run = RecordedDecision.AdmissionOf(feature)?.Run is { HoldsSpend: true } held
            ? runs.SettleAsync(held, Usage(feature), forwarded: feature.Find<UpstreamResponse>() is not null).AsTask()
            : null;
        return budget is not null && run is not null ? Task.WhenAll(budget, run) : budget ?? run;
    }

    private async Task SettleAsync(GatewayRequestFeature feature, TokenReservation reservation)
    {
        var used = Usage(feature)?.TotalTokens ?? (feature.Find<UpstreamResponse>() is null ? 0 : reservation.Reserved);
        await budgets.SettleAsync(reservation, used, CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>The tokens the provider reported for the call (a streamed body's, else the result's); null when it reported none.</summary>
    private static ModelUsage? Usage(GatewayRequestFeature feature) =>
        feature.Find<ForwardPlan>()?.Usage?.Usage ?? feature.Find<UpstreamResponse>()?.Result?.Usage;
}
