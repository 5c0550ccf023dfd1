namespace Gateway.Store;

/// <summary>
/// What an admission records and reads for the decision token its request may be issued
/// (<see cref="AdmissionRequest.Token"/>), in the same atomic step and only when the nonce was fresh,
/// every window admitted and the budget, when one was asked, was reserved (<see cref="AdmissionOutcome.Token"/>).
/// </summary>
/// <param name="RecordKey">Stored with the value <see cref="Issued"/> for <paramref name="Lifetime"/> when absent: the token's record until it expires. The gateway gives the admission's nonce key (<see cref="AdmissionRequest.NonceKey"/>, stored as <see cref="Issued"/>), so that it is written once.</param>
/// <param name="Lifetime">How long the record lives: the token's lifetime.</param>
/// <param name="GenerationKeys">Counters read in the same step (an absent key reads 0); at most <see cref="MaxGenerationKeys"/>.</param>
public sealed record TokenRecording(string RecordKey, TimeSpan Lifetime, IReadOnlyList<string> GenerationKeys)
{
    /// <summary>The value of a record whose token has not been used.</summary>
    public const string Issued = "issued";

    /// <summary>The value of a record whose token has been used once (<see cref="ConsumeKey"/>); it keeps its expiry.</summary>
    public const string Used = "used";

    /// <summary>The most generation counters one admission reads.</summary>
    public const int MaxGenerationKeys = 4;

    /// <summary>
    /// A presented token's record, set from <see cref="Issued"/> to <see cref="Used"/> (keeping its expiry) in the same
    /// step; null for none. <see cref="TokenRecordingOutcome.Consumption"/> says what was found.
    /// </summary>
    public string? ConsumeKey { get; init; }

    /// <summary>Refuses a token step no store can run (too many counters, no lifetime), before it joins a batch.</summary>
    internal void ThrowIfInvalid()
    {
        if (GenerationKeys.Count > MaxGenerationKeys)
        {
            throw new ArgumentException($"At most {MaxGenerationKeys} generation keys per admission.", nameof(GenerationKeys));
        }

        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(Lifetime, TimeSpan.Zero, nameof(Lifetime));
    }
}
