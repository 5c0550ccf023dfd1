namespace Gateway.Proxy.Reservations;

/// <summary>
/// A reservation against a token budget: <see cref="Reserved"/> tokens held under <see cref="Key"/> when
/// <see cref="Granted"/>, else the refusal (the budget resets in <see cref="ResetsIn"/>). <see cref="Slot"/> is the window
/// slot the store reserved it in (<see cref="Gateway.Store.BudgetOutcome.Slot"/>): its settle names it, and the store settles
/// nothing once that slot has ended, so that no refund lands in, and no charge is taken from, a later window.
/// </summary>
internal sealed record TokenReservation(string Key, long Reserved, TimeSpan Window, bool Granted, TimeSpan ResetsIn, long Slot);
