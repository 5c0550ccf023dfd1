namespace Gateway.Proxy.Reservations;

/// <summary>
/// A reservation against a token budget: <see cref="Reserved"/> tokens held under <see cref="Key"/> when
/// <see cref="Granted"/>, else the refusal (the budget resets in <see cref="ResetsIn"/>). <see cref="WindowEnds"/> is when
/// the window it was reserved in ends, as this replica's clock reads it: a refund settled after that would land in the
/// next window (<see cref="TokenBudgets.Settled"/>).
/// </summary>
internal sealed record TokenReservation(string Key, long Reserved, TimeSpan Window, bool Granted, TimeSpan ResetsIn, DateTimeOffset WindowEnds);
