using System.Text.Json;

namespace Gamut.Agent;

/// <summary>A governed answer: the decision, its explanation and, when invoked, the connector's result.</summary>
/// <param name="Invoked">Whether the gateway ran the connector.</param>
/// <param name="Decision">The decision's wire name (allow, allow_and_log, degrade, …).</param>
/// <param name="Explanation">The decision's explanation: the path through the controls and what would change it.</param>
/// <param name="DecisionToken">The decision token an executor checks; null for a simulation.</param>
/// <param name="Result">The connector's answer, when invoked.</param>
/// <param name="UpstreamStatus">The connector's upstream status, when invoked.</param>
/// <param name="Simulated">Whether the decision was a simulation (nothing ran).</param>
/// <param name="Receipt">
/// The decision's signed receipt (docs/evidence.md), verifiable offline with <see cref="GamutReceipts.VerifyReceipt"/>
/// and the gateway's JWKS; null from a gateway that issues none.
/// </param>
public sealed record GamutDecision(
    bool Invoked,
    string Decision,
    JsonElement Explanation,
    string? DecisionToken,
    JsonElement? Result,
    int? UpstreamStatus,
    bool Simulated,
    string? Receipt = null);
