namespace Gateway.Store;

/// <summary>Where a log's kept entries begin (<see cref="ILogRetirement"/>): the first one's position and the note its last retirement left.</summary>
public readonly record struct LogStart(long Position, string? Note);
