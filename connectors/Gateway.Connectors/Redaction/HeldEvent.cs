namespace Gateway.Connectors.Redaction;

/// <summary>
/// One server-sent event, redacted on its own and read, waiting in <see cref="SplitValueHoldback"/>:
/// its non-data fields (already redacted), where its <c>data:</c> lines go among them, and the data:
/// JSON (UTF-8, member names and card numbers redacted, compact) with the string values the hold-back
/// may still edit, or text (a single value at <see cref="SplitValueHoldback.TextPath"/>).
/// </summary>
internal sealed class HeldEvent(IReadOnlyList<string> fields, int dataIndex, bool terminated)
{
    public IReadOnlyList<string> Fields { get; } = fields;

    /// <summary>The position among <see cref="Fields"/> where the data lines are written; -1 when there are none.</summary>
    public int DataIndex { get; } = dataIndex;

    public bool Terminated { get; } = terminated;

    /// <summary>
    /// The data as JSON, in the first <see cref="JsonLength"/> bytes of an array rented from
    /// <see cref="System.Buffers.ArrayPool{T}.Shared"/> and returned once the event is written; null when it is text (or there is none).
    /// </summary>
    public byte[]? Json { get; init; }

    public int JsonLength { get; init; }

    /// <summary>The values the hold-back reads, in the order they appear (their byte ranges ascending).</summary>
    public IReadOnlyList<HeldValue> Values { get; init; } = [];

    /// <summary>Characters of string values that were complete and clean when read, so not among <see cref="Values"/>.</summary>
    public int OtherChars { get; init; }

    /// <summary>
    /// Stream keys of the elements or items this event says are finished (a choice's <c>finish_reason</c>, a Responses
    /// <c>*.done</c> event): no more text comes at a key they prefix, so those streams are complete.
    /// </summary>
    public IReadOnlyList<string> Completed { get; init; } = [];
}
