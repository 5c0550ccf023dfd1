namespace Gateway.Store;

/// <summary>A read of a log from a position whose entries are retired (<see cref="ILogRetirement"/>): read from <see cref="Start"/> on.</summary>
public sealed class LogEntriesRetiredException(long position, long start)
    : ArgumentOutOfRangeException(nameof(position), position, $"The log's entries before {start} are retired.")
{
    /// <summary>The position of the log's first kept entry.</summary>
    public long Start { get; } = start;
}
