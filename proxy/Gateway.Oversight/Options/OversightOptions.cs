using Gateway.Audit.Options;

namespace Gateway.Oversight.Options;

/// <summary>Everything the oversight library reads from configuration, bound from the <c>Gateway</c> section.</summary>
public sealed record OversightOptions
{
    /// <summary>The configuration section the options are bound from.</summary>
    public const string SectionName = "Gateway";

    /// <summary><c>Gateway:Admin</c>.</summary>
    public AdminOptions Admin { get; init; } = new();

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
