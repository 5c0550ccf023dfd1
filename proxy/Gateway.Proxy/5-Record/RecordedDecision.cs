using Gateway.Proxy.Admit;
using Gateway.Proxy.Pipeline;

namespace Gateway.Proxy.Record;

/// <summary>The Record stage's record: the decision is in the audit journal, and what follows from it.</summary>
/// <param name="Disposition">What the decision leads to: an answer, a refusal, or forwarding.</param>
/// <param name="StatusCode">The status recorded with the decision: 200, 409 or 403; 0 for a decision about to be carried out.</param>
/// <param name="ExplanationDigest">
/// The record's <c>explanation_digest</c> (the lowercase hex SHA-256 of the explanation's canonical JSON less its
/// <c>intent_digest</c>, as the journal stores it: <see cref="Gateway.Audit.AuditExplanation"/>), or null when the record
/// has none; a compact answer names the explanation by it (<see cref="Respond.ReturnPreference"/>).
/// </param>
internal sealed record RecordedDecision(DecisionDisposition Disposition, int StatusCode, string? ExplanationDigest = null)
{
    /// <summary>
    /// The admission as the store answered the Record stage's call, for a provisional one (<see cref="Admission.Plan"/>):
    /// what it reserved and recorded, the identity with the suspension the store read; null when Admit's stands.
    /// </summary>
    public Admission? Admission { get; init; }

    /// <summary>The request's admission as settled: the Record stage's when it made the store call, else the Admit stage's; null before Admit.</summary>
    public static Admission? AdmissionOf(GatewayRequestFeature feature) => feature.Find<RecordedDecision>()?.Admission ?? feature.Find<Admission>();

    /// <summary>
    /// True when the admission made with a decision to be carried out refused the request, or read a kill switch on: its
    /// refusal is the decision's outcome.
    /// </summary>
    public static bool RefusedAfterDecision(GatewayRequestFeature feature) =>
        feature.Find<RecordedDecision>() is { Disposition: DecisionDisposition.Execute, Admission: { } admission }
        && (admission.Verdict != AdmissionVerdict.Admitted || admission.Identity is { Suspended: true });

    /// <summary>
    /// The receipt of the request's recorded decision (<see cref="GatewayRequestFeature.Receipt"/>, which the Record
    /// stage sets with this record), or null when none was recorded.
    /// </summary>
    public static string? ReceiptOf(HttpContext context) => context.Features.Get<GatewayRequestFeature>()?.Receipt;
}

/// <summary>What a recorded decision leads to.</summary>
internal enum DecisionDisposition
{
    /// <summary>An evaluation (or an evaluate-only decision): the agent is answered with the decision; nothing runs.</summary>
    Answer,

    /// <summary>A block or require_approval: refused with the decision attached.</summary>
    Refuse,

    /// <summary>The allow family with a catalog entry: enforced and forwarded; the outcome is recorded after.</summary>
    Execute,
}
