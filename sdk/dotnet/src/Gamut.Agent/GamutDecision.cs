using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Gamut.Agent;

/// <summary>A governed answer: the decision, its explanation and, when invoked, the connector's result.</summary>
/// <param name="Invoked">Whether the gateway ran the connector.</param>
/// <param name="Decision">The decision's wire name (allow, allow_and_log, degrade, …).</param>
/// <param name="Explanation">The decision's explanation: the path through the controls and what would change it.</param>
/// <param name="DecisionToken">
/// The decision token an executor checks; null for a simulation and for an evaluation with a warrant. A bearer value: left
/// out of <see cref="ToString"/>.
/// </param>
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
    string? Receipt = null)
{
    // The compiler's ToString prints every member: this one leaves out the decision token (a bearer value for the executor).
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append(CultureInfo.InvariantCulture, $"Invoked = {Invoked}, Decision = {Decision}, Explanation = {Explanation}, Result = {Result}, ");
        builder.Append(CultureInfo.InvariantCulture, $"UpstreamStatus = {UpstreamStatus}, Simulated = {Simulated}, Receipt = {Receipt}");
        return true;
    }
}
