using Gateway.Proxy.Pipeline;

namespace Gateway.Proxy.Record;

/// <summary>The Record stage's record: the decision is in the audit journal, and what follows from it.</summary>
/// <param name="Disposition">What the decision leads to: an answer, a refusal, or forwarding.</param>
/// <param name="StatusCode">The status recorded with the decision: 200, 409 or 403; 0 for a decision about to be carried out.</param>
internal sealed record RecordedDecision(DecisionDisposition Disposition, int StatusCode)
{
    /// <summary>
    /// The decision's signed receipt (docs/evidence.md), signed with its audit group and stored in the group's store call; sent as the
    /// <see cref="Header"/> header and the <c>receipt</c> member of the gateway's answer. Null only before it is issued.
    /// </summary>
    public string? Receipt { get; init; }

    /// <summary>The response header that carries the receipt.</summary>
    public const string Header = "Gamut-Receipt";

    /// <summary>The receipt of the request's recorded decision, or null when none was recorded.</summary>
    public static string? ReceiptOf(HttpContext context) => context.Features.Get<GatewayRequestFeature>()?.Find<RecordedDecision>()?.Receipt;
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
