namespace Gateway.Store;

/// <summary>
/// A change to a counter a <see cref="CounterReservation"/> reserved in (<see cref="IAdmissionStore.AdjustCountersAsync"/>):
/// <paramref name="Delta"/> added (a refund when negative), never below zero; a counter that has expired stays absent.
/// </summary>
public readonly record struct CounterAdjustment(string Key, long Delta);
