namespace Gateway.Store;

/// <summary>What an admission's <see cref="AdmissionRequest.Counters"/> did.</summary>
/// <param name="RefusedIndex">The index of the first counter whose limit the amount would pass (nothing was added then); -1 when every amount was added.</param>
/// <param name="Values">Each counter's value, in order: after the addition when reserved, as it stood when refused (0 when absent).</param>
public sealed record CounterOutcome(int RefusedIndex, IReadOnlyList<long> Values)
{
    /// <summary>True when every amount was added.</summary>
    public bool Reserved => RefusedIndex < 0;
}
