namespace Gateway.Proxy.Respond;

/// <summary>
/// The settling of a request's reservations (its token budget's and its run's), started by Respond as soon as what the
/// call used is known, so that it runs while the rest of the answer is written; Respond awaits it before the request
/// ends, as it awaits a settling it starts last (the agent's next call sees its budget settled).
/// </summary>
/// <param name="Settled">
/// Completes when every reservation of the request is settled (a store that fails leaves one standing); null when nothing
/// is left to wait for (the budget's settle rides the outcome's append, ordered before the chain's next admission).
/// </param>
internal sealed record ReservationSettlement(Task? Settled);
