using Gateway.Policy.Tokens;
using Gateway.Proxy.Authenticate;
using Gateway.Store;

namespace Gateway.Proxy.Admit;

/// <summary>
/// An admission made ready for the store (<see cref="AdmissionGate.Plan"/>) and what its answer is read against
/// (<see cref="AdmissionGate.SettleAsync"/>). Added to the request by the Admit stage when the store call is left to the
/// Record stage, which makes it together with the decision record (<see cref="AdmissionGate.Provisional"/>).
/// </summary>
/// <param name="Request">The store's admission request.</param>
/// <param name="Identity">The caller as authenticated.</param>
/// <param name="Tool">The tool the request names (what a refusal is recorded under).</param>
/// <param name="Scopes">The scope of each rate-limit window, in order.</param>
/// <param name="Budget">The token budget reserved with it, when any.</param>
/// <param name="Run">The run's part, when the request acts in a run with limits.</param>
/// <param name="Evaluation">An evaluation's token presented on the action, used up with it.</param>
/// <param name="TokenId">The id of the decision token the request may be issued, recorded with it.</param>
internal sealed record AdmissionPlan(
    AdmissionRequest Request,
    AgentIdentity Identity,
    string? Tool,
    IReadOnlyList<string>? Scopes,
    BudgetReservation? Budget,
    RunAdmissionPlan? Run,
    DecisionTokenPayload? Evaluation,
    string? TokenId);
