namespace Gateway.Store;

/// <summary>
/// One of the embedded store's logs (changed under the store's lock): its first <see cref="Sealed"/> entries in a
/// <see cref="LogFile"/> once sealed, the rest in memory (<see cref="Tail"/>) until the next sealing moves them there.
/// </summary>
internal sealed class StoredLog
{
    /// <summary>The entries not yet sealed, in order after the sealed ones.</summary>
    public List<string> Tail { get; } = [];

    /// <summary>How many entries are in the file.</summary>
    public long Sealed { get; private set; }

    /// <summary>The file's bytes that hold them.</summary>
    public long SealedBytes { get; private set; }

    /// <summary>The last sealed entry (null while none is).</summary>
    public string? LastSealed { get; private set; }

    /// <summary>The number of the file the entries are sealed in (null until the first sealing).</summary>
    public long? FileId { get; private set; }

    /// <summary>That file, once opened (null until the first sealing, and while the journal is replayed).</summary>
    public LogFile? File { get; set; }

    /// <summary>Every entry, sealed or not.</summary>
    public long Count => Sealed + Tail.Count;

    /// <summary>The last entry (null when the log is empty).</summary>
    public string? Last => Tail.Count > 0 ? Tail[^1] : LastSealed;

    /// <summary>The seal the journal records for the log (null while nothing is sealed).</summary>
    public LogSeal? Seal => FileId is { } id && Sealed > 0 ? new LogSeal(id, Sealed, SealedBytes, LastSealed!) : null;

    /// <summary>
    /// Records that the first <paramref name="seal"/>.Count entries are in the seal's file: those still in the tail leave it.
    /// </summary>
    public void Apply(LogSeal seal)
    {
        Tail.RemoveRange(0, (int)Math.Clamp(seal.Count - Sealed, 0, Tail.Count));
        Sealed = seal.Count;
        SealedBytes = seal.Bytes;
        LastSealed = seal.Last;
        FileId = seal.FileId;
    }
}
