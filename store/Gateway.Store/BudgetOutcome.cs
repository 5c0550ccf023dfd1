namespace Gateway.Store;

/// <summary>The result of <see cref="IAdmissionStore.TryReserveAsync"/>: whether reserved, what is used now, and when the window resets.</summary>
public readonly record struct BudgetOutcome(bool Reserved, long Used, long Limit, TimeSpan ResetsIn);
