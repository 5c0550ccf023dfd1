namespace Gateway.Store;

/// <summary>
/// A reservation against a counter that never resets but expires with what it counts (a run's actions, tokens and cost,
/// how often the run repeated one intent), made in the same atomic step as an admission
/// (<see cref="AdmissionRequest.Counters"/>): <paramref name="Amount"/> is added only when every counter of the admission
/// stays within its <paramref name="Limit"/>, all or none. The key must carry the nonce key's Redis Cluster hash tag (the
/// tenant's, <see cref="StoreKeys"/>). A counter refused an amount its limit could hold (what it counted, not the amount,
/// stands in the way) is marked, in the same step, under <see cref="StoreKeys.CounterExhausted"/> with that limit for
/// <paramref name="Lifetime"/>; the store only writes the mark, its reader decides what it means.
/// </summary>
/// <param name="Key">The counter.</param>
/// <param name="Amount">What is added (at least 0; 0 reads the counter).</param>
/// <param name="Limit">The most the counter may reach; null for a counter that is only counted, never refused.</param>
/// <param name="Lifetime">The counter's expiry, set when this step creates it (a counter that exists keeps its own).</param>
public readonly record struct CounterReservation(string Key, long Amount, long? Limit, TimeSpan Lifetime);
