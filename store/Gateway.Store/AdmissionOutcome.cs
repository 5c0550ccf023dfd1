namespace Gateway.Store;

/// <summary>The answer to <see cref="IAdmissionStore.AdmitAsync"/>.</summary>
/// <param name="NonceFresh">True when this call stored the nonce; false for a replay (nothing else was counted).</param>
/// <param name="SwitchesOn">Bit <c>i</c> is set when <c>SwitchKeys[i]</c> exists.</param>
/// <param name="RateLimit">The rate-limit outcome; <see cref="RateLimitOutcome.Admit"/> when there were no windows, the nonce was a replay or a switch of <see cref="AdmissionRequest.StoppingSwitches"/> was on (nothing was acquired then).</param>
public readonly record struct AdmissionOutcome(bool NonceFresh, uint SwitchesOn, RateLimitOutcome RateLimit)
{
    /// <summary>True when the switch at <paramref name="index"/> in the request's <c>SwitchKeys</c> is on.</summary>
    public bool IsSwitchOn(int index) => (SwitchesOn & (1u << index)) != 0;

    /// <summary>
    /// The outcome of the request's <see cref="AdmissionRequest.Budget"/> reservation, as
    /// <see cref="IAdmissionStore.TryReserveAsync"/> would have answered it; null when none was asked for, the
    /// nonce was a replay, a stopping switch was on (<see cref="AdmissionRequest.StoppingSwitches"/>), a window or a counter
    /// refused (nothing was reserved then).
    /// </summary>
    public BudgetOutcome? Budget { get; init; }

    /// <summary>
    /// What the request's <see cref="AdmissionRequest.Counters"/> did; null when none were asked for, the nonce was a
    /// replay, a stopping switch was on or a window refused (nothing was counted then).
    /// </summary>
    public CounterOutcome? Counters { get; init; }

    /// <summary>
    /// What the request's <see cref="AdmissionRequest.Token"/> recorded, read and consumed; null when none was asked
    /// for, or the nonce was a replay, a stopping switch was on, a window or a counter refused or the budget was refused
    /// (nothing was recorded then).
    /// </summary>
    public TokenRecordingOutcome? Token { get; init; }
}
