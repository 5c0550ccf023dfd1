namespace Gateway.Proxy.Reservations;

/// <summary>
/// A reservation against a token budget: <see cref="Reserved"/> tokens held under <see cref="Key"/> when
/// <see cref="Granted"/>, else the refusal (the budget resets in <see cref="ResetsIn"/>).
/// </summary>
internal sealed record TokenReservation(string Key, long Reserved, TimeSpan Window, bool Granted, TimeSpan ResetsIn);
