namespace Gateway.Store;

/// <summary>
/// A token-budget settle made with an append (<see cref="IAuditLogStore.TryAppendAdmittingAsync"/>): the
/// <paramref name="Reserved"/> amount of the budget under <paramref name="Key"/>, reserved in window slot
/// <paramref name="Slot"/>, settled against <paramref name="Actual"/> use, exactly as <see cref="IAdmissionStore.SettleAsync"/>
/// would settle it (nothing once that slot has ended).
/// </summary>
public readonly record struct BudgetSettle(string Key, long Reserved, long Actual, TimeSpan Window, long Slot);
