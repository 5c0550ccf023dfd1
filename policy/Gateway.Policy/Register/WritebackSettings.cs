namespace Gateway.Policy;

/// <summary>
/// A <c>context</c> entry's <c>writeback:</c>: its upstream is a workspace store that agents write items to through the
/// governed action <c>POST /v1/actions/writeback</c> (a <c>write</c> on the entry), and whose packs carry each item's data
/// classes so that a later read returns only the items policy lets the reader receive. Without it the entry is read-only.
/// </summary>
public sealed record WritebackSettings
{
    /// <summary>The content limit when none is declared (256 KiB).</summary>
    public const long DefaultMaxBytes = 256 * 1024;

    /// <summary>The most bytes one item's content may have (its JSON text as the agent sent it); larger is 413.</summary>
    public long? MaxBytes { get; init; }

    /// <summary>The content limit in force.</summary>
    public long ContentBytes => MaxBytes ?? DefaultMaxBytes;
}
