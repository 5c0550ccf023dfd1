namespace Gateway.Store;

/// <summary>
/// Where a log's first entries live once moved out of the embedded store's journal: entries <see cref="Start"/> to
/// <see cref="Count"/> are the first <see cref="Bytes"/> of file <see cref="FileId"/> (<see cref="LogFile"/>), the last of
/// them <see cref="Last"/>; the entries before <see cref="Start"/> are retired, leaving <see cref="Note"/> (<see cref="ILogRetirement"/>).
/// </summary>
public readonly record struct LogSeal(long FileId, long Count, long Bytes, string Last, long Start = 0, string? Note = null);
