namespace Gateway.Cli;

/// <summary>One partition's walk in an export: where it started (0: genesis, else the anchor's seq), how far it got, its tip.</summary>
internal sealed class AuditExportChain
{
    public required string Replica { get; init; }

    public required long AnchorSeq { get; init; }

    public required long NextSeq { get; set; }

    public required string Previous { get; set; }

    public long Records { get; set; }

    public long? BrokenAtSeq { get; set; }
}
