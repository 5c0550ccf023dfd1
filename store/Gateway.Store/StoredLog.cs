using System.Text;

namespace Gateway.Store;

/// <summary>
/// One of the embedded store's logs (changed under the store's lock): its entries from <see cref="Start"/> to
/// <see cref="Sealed"/> in a <see cref="LogFile"/> once sealed, the rest in memory (<see cref="Tail"/>) until the next
/// sealing moves them there; the entries before <see cref="Start"/> are retired.
/// </summary>
internal sealed class StoredLog
{
    /// <summary>The entries not yet sealed, in order after the sealed ones, as UTF-8 (as appended and as written).</summary>
    public List<byte[]> Tail { get; } = [];

    /// <summary>How many entries are sealed or retired (the file holds those from <see cref="Start"/> on).</summary>
    public long Sealed { get; private set; }

    /// <summary>The file's bytes that hold them.</summary>
    public long SealedBytes { get; private set; }

    /// <summary>The last sealed or retired entry (null while none is).</summary>
    public string? LastSealed { get; private set; }

    /// <summary>The position of the first entry kept: those before it are retired.</summary>
    public long Start { get; private set; }

    /// <summary>What the last retirement left (null before any).</summary>
    public string? Note { get; private set; }

    /// <summary>The number of the file the entries are sealed in (null until the first sealing).</summary>
    public long? FileId { get; private set; }

    /// <summary>That file, once opened (null until the first sealing, and while the journal is replayed).</summary>
    public LogFile? File { get; set; }

    /// <summary>The file a retirement replaced, kept open until the next one for the reads that took it before.</summary>
    public LogFile? Replaced { get; set; }

    /// <summary>Every entry, sealed or not, retired included.</summary>
    public long Count => Sealed + Tail.Count;

    /// <summary>The seal the journal records for the log (null while nothing is sealed).</summary>
    public LogSeal? Seal => FileId is { } id && Sealed > 0 ? new LogSeal(id, Sealed, SealedBytes, LastSealed!, Start, Note) : null;

    /// <summary>
    /// Records that entries <paramref name="seal"/>.Start to .Count are in the seal's file (those still in the tail leave
    /// it) and the ones before .Start are retired.
    /// </summary>
    public void Apply(LogSeal seal)
    {
        Tail.RemoveRange(0, (int)Math.Clamp(seal.Count - Sealed, 0, Tail.Count));
        Sealed = seal.Count;
        SealedBytes = seal.Bytes;
        LastSealed = seal.Last;
        FileId = seal.FileId;
        Start = seal.Start;
        Note = seal.Note;
    }

    /// <summary>In a store with no files: retires the first <paramref name="through"/> entries from memory (none sealed there).</summary>
    public void RetireFromTail(long through, string? note)
    {
        var drop = (int)(through - Sealed);
        LastSealed = Encoding.UTF8.GetString(Tail[drop - 1]);
        Tail.RemoveRange(0, drop);
        Sealed = through;
        Start = through;
        Note = note;
    }
}
