namespace Gateway.Store;

/// <summary>
/// The result of <see cref="IAdmissionStore.TryReserveAsync"/>: whether reserved, what is used now, when the window resets,
/// and the window's slot it was asked in (the store's clock in ms over the window's ms), which its settle names.
/// </summary>
public readonly record struct BudgetOutcome(bool Reserved, long Used, long Limit, TimeSpan ResetsIn, long Slot);
