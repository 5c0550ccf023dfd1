using System.Text.Json.Serialization;

namespace Gateway.Policy;

/// <summary>
/// One step of the decision path. <see cref="ApprovalRequired"/> marks an approval obligation
/// (an extension member, written only when true); obligations are not failures.
/// </summary>
public readonly record struct ControlResult
{
    [JsonPropertyName("control")]
    public ControlId Control { get; init; }

    [JsonPropertyName("outcome")]
    public ControlOutcome Outcome { get; init; }

    [JsonPropertyName("severity")]
    public Severity Severity { get; init; }

    [JsonPropertyName("missing_evidence")]
    public string? MissingEvidence { get; init; }

    [JsonPropertyName("remedy")]
    public string? Remedy { get; init; }

    [JsonPropertyName("approval_required")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool ApprovalRequired { get; init; }

    /// <summary>A gap: a failure of high, medium or low severity.</summary>
    [JsonIgnore]
    public bool IsGap => Outcome == ControlOutcome.Fail && Severity is Severity.High or Severity.Medium or Severity.Low;

    [JsonIgnore]
    public bool IsCritical => Outcome == ControlOutcome.Fail && Severity == Severity.Critical;

    internal static ControlResult Passed(ControlId control) => new() { Control = control, Outcome = ControlOutcome.Pass, Severity = Severity.None };

    internal static ControlResult NotApplicable(ControlId control) => new() { Control = control, Outcome = ControlOutcome.NotApplicable, Severity = Severity.None };

    internal static ControlResult Failed(ControlId control, Severity severity, string missingEvidence, string remedy)
        => new() { Control = control, Outcome = ControlOutcome.Fail, Severity = severity, MissingEvidence = missingEvidence, Remedy = remedy };
}
