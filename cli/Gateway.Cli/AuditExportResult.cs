using Gateway.Policy.AuditChain;

namespace Gateway.Cli;

/// <summary>The outcome of <see cref="AuditExportVerifier.Verify"/>: when broken, the 1-based line and the reason.</summary>
internal sealed record AuditExportResult(
    bool Intact,
    long Lines,
    IReadOnlyDictionary<string, AuditChainLink> Chains,
    long? BrokenAtLine,
    string? Reason,
    string? Detail);
