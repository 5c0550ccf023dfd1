namespace Gateway.Audit;

/// <summary>
/// One partition's file of the embedded journal (<see cref="FileAuditStore"/>): the open writer and the chain it
/// holds (length, anchor, last hash), all read and changed only under <see cref="Gate"/>.
/// </summary>
internal sealed class AuditJournalFile(string path)
{
    public string Path { get; } = path;

    public SemaphoreSlim Gate { get; } = new(1, 1);

    /// <summary>Open once recovered (<see cref="AuditFileRecovery"/>); null while closed.</summary>
    public FileStream? Writer { get; set; }

    /// <summary>The partition's receipts file, open once a group stored receipt batches (<see cref="AuditFileReceipts"/>); null while closed.</summary>
    public FileStream? ReceiptsWriter { get; set; }

    /// <summary>The chain's length: the seq of its last record (retired ones included).</summary>
    public long Length { get; set; }

    /// <summary>Genesis, or the anchor line the file starts with after retention.</summary>
    public AuditTip Anchor { get; set; } = AuditTip.Genesis;

    public string LastHash { get; set; } = AuditCanonicalJson.GenesisHash;

    /// <summary>
    /// The last record's time as recovery read it (null: none); appends after it leave it as it was, a lower bound the
    /// writer keeps its own later times above (<see cref="AuditTip.LastTime"/>).
    /// </summary>
    public DateTimeOffset? LastTime { get; set; }

    /// <summary>Set by recovery when the file is damaged (<see cref="AuditFileDamage"/>): it is then never appended to.</summary>
    public AuditFileDamage? Damage { get; set; }

    /// <summary>
    /// Writes a group of <paramref name="records"/> lines (<paramref name="bytes"/>, each line ending in a newline)
    /// at the end with one fsync and moves the tip to <paramref name="lastHash"/>. When the write fails, the
    /// group is cut off again (never part of a group behind an acknowledged chain), the file is closed, and an
    /// I/O failure is reported to <paramref name="space"/>.
    /// </summary>
    public async ValueTask AppendAsync(byte[] bytes, int records, string lastHash, AuditFileSpaceProbe space)
    {
        await AuditFileAppend.WriteDurablyAsync(Writer!, bytes, space, Close);
        Length += records;
        LastHash = lastHash;
    }

    /// <summary>A reader of the file as it is now (a retirement that replaces the file later leaves it on this one).</summary>
    public FileStream OpenReader() =>
        new(Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 64 * 1024, FileOptions.Asynchronous | FileOptions.SequentialScan);

    public void Close()
    {
        Writer?.Dispose();
        Writer = null;
        ReceiptsWriter?.Dispose();
        ReceiptsWriter = null;
    }
}
