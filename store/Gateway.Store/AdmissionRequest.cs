namespace Gateway.Store;

/// <summary>
/// Everything the store decides before a request may be admitted, asked in one step
/// (<see cref="IAdmissionStore.AdmitAsync"/>): the nonce to store when absent, the kill-switch keys to
/// read, the rate-limit windows to acquire and, optionally, counters to reserve in (a run's limits) and a token-budget
/// reservation.
/// </summary>
/// <param name="NonceKey">Stored with <paramref name="NonceValue"/> for <paramref name="NonceLifetime"/> only when absent.</param>
/// <param name="NonceValue">The value kept under the nonce key: the request's timestamp, or <see cref="TokenRecording.Issued"/> when the key is also its decision token's record (<see cref="TokenRecording.RecordKey"/>).</param>
/// <param name="NonceLifetime">How long the nonce is remembered; at least the accepted timestamp window plus skew.</param>
/// <param name="SwitchKeys">Kill-switch keys; a switch is on when its key exists. At most 32.</param>
/// <param name="Windows">Rate-limit windows, acquired all-or-nothing and only when the nonce was fresh.</param>
public sealed record AdmissionRequest(
    string NonceKey,
    string NonceValue,
    TimeSpan NonceLifetime,
    IReadOnlyList<string> SwitchKeys,
    IReadOnlyList<RateLimitWindow> Windows)
{
    /// <summary>The most kill-switch keys one admission may read (<see cref="AdmissionOutcome.SwitchesOn"/> is a bit mask).</summary>
    public const int MaxSwitchKeys = 32;

    /// <summary>The most counters one admission reserves in (<see cref="Counters"/>).</summary>
    public const int MaxCounters = 4;

    /// <summary>
    /// The kill switches that refuse the request outright, bit <c>i</c> for <see cref="SwitchKeys"/>[i] (0, the default: none).
    /// When one of them is on, the fresh nonce is still stored and the switches read (<see cref="AdmissionOutcome.SwitchesOn"/>),
    /// but no window is acquired (the outcome admits: the caller refuses on the switches), no counter or budget reserved and
    /// no decision token recorded: a stopped agent's refused requests use up nothing that other agents share.
    /// </summary>
    public uint StoppingSwitches { get; init; }

    /// <summary>Whether <paramref name="switchesOn"/> holds a switch of <see cref="StoppingSwitches"/>.</summary>
    internal bool StoppedBy(uint switchesOn) => (switchesOn & StoppingSwitches) != 0;

    /// <summary>
    /// Counters reserved in the same step, all or none, only when the nonce was fresh and every window admitted
    /// (<see cref="AdmissionOutcome.Counters"/>); at most <see cref="MaxCounters"/>. A refusal reserves nothing else
    /// either: no budget, no decision token.
    /// </summary>
    public IReadOnlyList<CounterReservation> Counters { get; init; } = [];

    /// <summary>
    /// A budget reservation made in the same step, only when the nonce was fresh, every window
    /// admitted and the counters were reserved (<see cref="AdmissionOutcome.Budget"/>); null for none.
    /// </summary>
    public BudgetReservation? Budget { get; init; }

    /// <summary>
    /// The decision token record to write, the generation counters to read and the presented token to consume, in the
    /// same step, only when the nonce was fresh, every window admitted, the counters were reserved and the budget (when
    /// asked) was reserved (<see cref="AdmissionOutcome.Token"/>); null for none.
    /// </summary>
    public TokenRecording? Token { get; init; }

    /// <summary>
    /// The largest amount a counter or budget reservation may carry (2^53: a Redis script's number holds it exactly, and a
    /// counter's sum of such amounts stays far from overflowing).
    /// </summary>
    public const long MaxAmount = 1L << 53;

    /// <summary>
    /// Refuses counters and a budget reservation no store can reserve (too many counters, an amount that is negative or above
    /// <see cref="MaxAmount"/>, no lifetime), before they join a batch.
    /// </summary>
    internal void ThrowIfInvalidReservations()
    {
        if (Counters.Count > MaxCounters)
        {
            throw new ArgumentException($"At most {MaxCounters} counters per admission.", nameof(Counters));
        }

        foreach (var counter in Counters)
        {
            ThrowIfInvalidAmount(counter.Amount, nameof(Counters));
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(counter.Lifetime, TimeSpan.Zero, nameof(Counters));
        }

        if (Budget is { } budget)
        {
            ThrowIfInvalidAmount(budget.Amount, nameof(Budget));
        }
    }

    /// <summary>Refuses an amount to reserve that is negative or above <see cref="MaxAmount"/>.</summary>
    internal static void ThrowIfInvalidAmount(long amount, string paramName)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(amount, paramName);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(amount, MaxAmount, paramName);
    }
}
