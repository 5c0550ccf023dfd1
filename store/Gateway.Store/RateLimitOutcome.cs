namespace Gateway.Store;

/// <summary>
/// The rate-limit part of <see cref="IAdmissionStore.AdmitAsync"/> (<see cref="AdmissionOutcome.RateLimit"/>): admitted, or refused by the window at
/// <see cref="RefusedIndex"/> until <see cref="RetryAfter"/> has passed.
/// </summary>
public readonly record struct RateLimitOutcome(bool Admitted, int RefusedIndex, TimeSpan RetryAfter)
{
    public static RateLimitOutcome Admit { get; } = new(true, -1, TimeSpan.Zero);
}
