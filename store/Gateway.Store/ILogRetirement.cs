namespace Gateway.Store;

/// <summary>
/// A store whose logs can let go of their first entries for good (audit retention): the embedded store. A log keeps its
/// length and its last entry when its first entries are retired; reading a retired position fails
/// (<see cref="LogEntriesRetiredException"/>), and the note the
/// last retirement left (the audit chain's anchor) is kept with the log. Redis does not offer it.
/// </summary>
public interface ILogRetirement
{
    /// <summary>
    /// Retires the log's entries before position <paramref name="through"/> (nothing when they already are), leaving
    /// <paramref name="note"/>; completes once that is durable, and once the store holds the retired entries nowhere.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="through"/> is past the log's end.</exception>
    ValueTask RetireLogAsync(string logKey, long through, string? note, CancellationToken cancellationToken = default);

    /// <summary>The position of the log's first kept entry (0 before any retirement) and the note its last retirement left.</summary>
    ValueTask<LogStart> LogStartAsync(string logKey, CancellationToken cancellationToken = default);

    /// <summary>Every key that starts with <paramref name="prefix"/> (ordinal), in no particular order.</summary>
    ValueTask<IReadOnlyList<string>> ListKeysAsync(string prefix, CancellationToken cancellationToken = default);
}
