namespace Gateway.Store;

/// <summary>What the admission's <see cref="TokenRecording"/> did.</summary>
/// <param name="Generations">The value of each of <see cref="TokenRecording.GenerationKeys"/>, in order (0 when absent).</param>
/// <param name="Consumption">What became of <see cref="TokenRecording.ConsumeKey"/>.</param>
public sealed record TokenRecordingOutcome(IReadOnlyList<long> Generations, TokenConsumption Consumption);

/// <summary>What an admission found under a presented token's record (<see cref="TokenRecording.ConsumeKey"/>).</summary>
public enum TokenConsumption
{
    /// <summary>No record was to be consumed.</summary>
    NotAsked,

    /// <summary>The record was <see cref="TokenRecording.Issued"/>; this admission set it to <see cref="TokenRecording.Used"/>.</summary>
    Consumed,

    /// <summary>The record was already <see cref="TokenRecording.Used"/>: the token was used before.</summary>
    AlreadyUsed,

    /// <summary>There is no record (never recorded, expired, or lost with the store's state).</summary>
    NotRecorded,

    /// <summary>A key <see cref="IAdmissionStore.ConsumeTokenAsync"/> was to find unchanged had changed: nothing was used up.</summary>
    Changed,
}
