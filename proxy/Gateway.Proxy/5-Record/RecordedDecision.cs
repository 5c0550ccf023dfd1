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
