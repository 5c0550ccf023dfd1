namespace Gateway.Connectors.Redaction;

/// <summary>
/// A string value of a held event that the hold-back reads (see <see cref="SplitValueHoldback"/>): its
/// JSON path, its text, and where its string token lies in the event's JSON bytes, so that a changed
/// value can be written back in place.
/// </summary>
internal sealed class HeldValue(string path, bool streamed, string value, int start, int length)
{
    public string Path { get; } = path;

    /// <summary>Whether the value streams across events (<see cref="SplitValueHoldback.StreamedTextMembers"/>).</summary>
    public bool Streamed { get; } = streamed;

    /// <summary>The index of its event among those held, set at each release.</summary>
    public int Event { get; set; }

    public string Value { get; private set; } = value;

    /// <summary>Whether the hold-back changed <see cref="Value"/>.</summary>
    public bool Changed { get; private set; }

    /// <summary>Offset of the string token (with its quotes) in the event's JSON; -1 for text data.</summary>
    public int Start { get; } = start;

    /// <summary>Length in bytes of the string token in the event's JSON.</summary>
    public int Length { get; } = length;

    public void Set(string updated)
    {
        Value = updated;
        Changed = true;
    }
}
