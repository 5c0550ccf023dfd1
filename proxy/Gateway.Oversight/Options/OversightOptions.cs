using Gateway.Audit.Options;

namespace Gateway.Oversight.Options;

/// <summary>
/// Everything the oversight library reads from configuration, bound from the <c>Gateway</c> section (the admin API's
/// <c>Gateway:Admin</c> is Gateway.Admin's <c>AdminOptions</c>).
/// </summary>
public sealed record OversightOptions
{
    /// <summary>The configuration section the options are bound from.</summary>
    public const string SectionName = "Gateway";

    /// <summary><c>Gateway:Approvals</c>.</summary>
    public ApprovalOptions Approvals { get; init; } = new();

    /// <summary><c>Gateway:Audit</c>.</summary>
    public AuditOptions Audit { get; init; } = new();

    /// <summary><c>Gateway:Incidents</c>.</summary>
    public IncidentOptions Incidents { get; init; } = new();

    /// <summary><c>Gateway:Runs</c>.</summary>
    public RunOptions Runs { get; init; } = new();

    /// <summary><c>Gateway:Evidence</c>.</summary>
    public EvidenceOptions Evidence { get; init; } = new();

    /// <summary><c>Gateway:Records</c>.</summary>
    public RecordsOptions Records { get; init; } = new();
}
