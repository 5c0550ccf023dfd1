using System.Buffers;

namespace Gateway.Store;

/// <summary>
/// The embedded store's whole live state restated as <see cref="StateJournal"/> records, written as it is made to the
/// file that replaces a journal that has grown (<see cref="StateJournal.CompleteRewrite"/>): never held whole in memory.
/// </summary>
public sealed class StateJournalSnapshot : IDisposable
{
    private const int FlushBytes = 64 * 1024;
    private readonly FileStream _file;
    private readonly ArrayBufferWriter<byte> _records = new(2 * FlushBytes);
    private readonly ArrayBufferWriter<byte> _scratch = new(256);
    private long _flushed;

    /// <summary>Starts the file beside the journal at <paramref name="journalPath"/> (its path and <c>.tmp</c>), replacing one an earlier attempt left.</summary>
    public StateJournalSnapshot(string journalPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(journalPath);
        Path = journalPath + ".tmp";
        _file = PrivateFiles.Open(Path, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0, FileOptions.None);
    }

    /// <summary>The file the records go to.</summary>
    public string Path { get; }

    /// <summary>The bytes of the records written so far.</summary>
    public long Length => _flushed + _records.WrittenCount;

    public void PutText(string key, string value, DateTimeOffset? expiresAt) =>
        Write(StateJournalOperation.PutText, key, expiresAt, text: value);

    public void PutDigest(UInt128 digest, long value, DateTimeOffset expiresAt) =>
        Write(StateJournalOperation.PutDigest, string.Empty, expiresAt, number: value, digest: digest);

    public void PutCounter(string key, long value, DateTimeOffset? expiresAt) =>
        Write(StateJournalOperation.PutCounter, key, expiresAt, number: value);

    public void AddMember(string key, string member, DateTimeOffset? expiresAt) =>
        Write(StateJournalOperation.AddMember, key, expiresAt, text: member);

    public void PutField(string key, string field, string value) =>
        Write(StateJournalOperation.PutField, key, null, text: value, field: field);

    public void SealLog(string key, LogSeal seal) =>
        Write(StateJournalOperation.SealLog, key, null, seal: seal);

    public void AppendLog(string key, IReadOnlyList<byte[]> entries) =>
        Write(StateJournalOperation.AppendLog, key, null, entries: entries);

    /// <summary>Writes what is buffered and fsyncs the file.</summary>
    /// <exception cref="IOException">The file could not be written.</exception>
    internal void Persist()
    {
        Flush();
        _file.Flush(flushToDisk: true);
    }

    public void Dispose() => _file.Dispose();

    private void Write(StateJournalOperation operation, string key, DateTimeOffset? expiresAt, string? text = null, long number = 0,
        IReadOnlyList<byte[]>? entries = null, string? field = null, LogSeal? seal = null, UInt128 digest = default)
    {
        StateJournal.WriteRecord(_records, _scratch, operation, key, expiresAt, text, number, entries, field, seal, digest);
        if (_records.WrittenCount >= FlushBytes)
        {
            Flush();
        }
    }

    private void Flush()
    {
        _file.Write(_records.WrittenSpan);
        _flushed += _records.WrittenCount;
        _records.ResetWrittenCount();
    }
}
