using System.Buffers;

namespace Gateway.Store;

/// <summary>
/// The embedded store's whole live state restated as <see cref="StateJournal"/> records, to replace a journal
/// that has grown (<see cref="StateJournal.CompleteRewrite"/>).
/// </summary>
public sealed class StateJournalSnapshot
{
    private readonly ArrayBufferWriter<byte> _records = new(64 * 1024);
    private readonly ArrayBufferWriter<byte> _scratch = new(256);

    /// <summary>The records written so far.</summary>
    public ReadOnlySpan<byte> Written => _records.WrittenSpan;

    public void PutText(string key, string value, DateTimeOffset? expiresAt) =>
        StateJournal.WriteRecord(_records, _scratch, StateJournalOperation.PutText, key, expiresAt, text: value);

    public void PutCounter(string key, long value, DateTimeOffset? expiresAt) =>
        StateJournal.WriteRecord(_records, _scratch, StateJournalOperation.PutCounter, key, expiresAt, number: value);

    public void AddMember(string key, string member, DateTimeOffset? expiresAt) =>
        StateJournal.WriteRecord(_records, _scratch, StateJournalOperation.AddMember, key, expiresAt, text: member);

    public void PutField(string key, string field, string value) =>
        StateJournal.WriteRecord(_records, _scratch, StateJournalOperation.PutField, key, null, text: value, field: field);

    public void SealLog(string key, LogSeal seal) =>
        StateJournal.WriteRecord(_records, _scratch, StateJournalOperation.SealLog, key, null, seal: seal);

    public void AppendLog(string key, IReadOnlyList<string> entries) =>
        StateJournal.WriteRecord(_records, _scratch, StateJournalOperation.AppendLog, key, null, entries: entries);
}
