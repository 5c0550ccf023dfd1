namespace Gateway.Store;

/// <summary>
/// Where a log's first entries live once moved out of the embedded store's journal: the first <see cref="Count"/>
/// entries are the first <see cref="Bytes"/> of file <see cref="FileId"/> (<see cref="LogFile"/>), the last of them <see cref="Last"/>.
/// </summary>
public readonly record struct LogSeal(long FileId, long Count, long Bytes, string Last);
