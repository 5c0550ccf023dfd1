namespace Gateway.Store;

/// <summary>
/// A token-budget reservation to make in the same atomic step as an admission
/// (<see cref="AdmissionRequest.Budget"/>): <paramref name="Amount"/> from a budget of
/// <paramref name="Limit"/> per <paramref name="Window"/> under <paramref name="Key"/>, exactly as
/// <see cref="IAdmissionStore.TryReserveAsync"/> would reserve it. The key must carry the nonce key's
/// Redis Cluster hash tag (the tenant's, <see cref="StoreKeys"/>).
/// </summary>
public readonly record struct BudgetReservation(string Key, long Amount, long Limit, TimeSpan Window);
