namespace Gateway.Oversight.Options;

/// <summary>The audit journal's sink (<c>Gateway:Audit</c>).</summary>
public sealed record AuditOptions
{
    /// <summary>The shared-store sink: every replica appends to one hash chain per tenant.</summary>
    public const string StoreSink = "store";

    /// <summary>The embedded sink: one append-only JSON-lines file per tenant, one process.</summary>
    public const string FileSink = "file";

    /// <summary><c>file</c> (embedded default) or <c>store</c> (production, shared by replicas).</summary>
    public string Sink { get; init; } = FileSink;

    /// <summary>The directory of the file sink; relative paths resolve against the current directory.</summary>
    public string Directory { get; init; } = "data/audit";

    /// <summary>How many times an append retries after losing an optimistic-concurrency race.</summary>
    public int MaxAppendAttempts { get; init; } = 32;
}
