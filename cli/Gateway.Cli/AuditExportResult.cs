using Gateway.Policy.AuditChain;

namespace Gateway.Cli;

/// <summary>The outcome of <see cref="AuditExportVerifier.Verify"/>: when broken, the 1-based line and the reason.</summary>
internal sealed record AuditExportResult(
    bool Intact,
    long Lines,
    IReadOnlyDictionary<string, AuditChainLink> Chains,
    long? BrokenAtLine,
    string? Reason,
    string? Detail)
{
    /// <summary>The export's decisions to be carried out that have no outcome record ("outcome unknown": not a break).</summary>
    public long OutcomeUnknown { get; init; }

    /// <summary>Their request ids, in the export's order (the first <see cref="AuditOutcomeTally.MaxListed"/>).</summary>
    public IReadOnlyList<string> OutcomeUnknownRequestIds { get; init; } = [];

    /// <summary>The tenant every line names (null for an export of no line naming one).</summary>
    public string? Tenant { get; init; }
}
