using Gateway.Oversight.Agents;
using Gateway.Oversight.Tokens;
using Gateway.Policy.Tokens;
using Gateway.Proxy.Authenticate;
using Gateway.Store;

namespace Gateway.Proxy.Admit;

/// <summary>
/// An admission made ready for the store (<see cref="AdmissionGate.Plan"/>) and how the store's answer reads
/// (<see cref="Read"/>). Added to the request by the Admit stage when the store call is left to the Record stage, which
/// makes it together with the decision record (<see cref="AdmissionGate.Provisional"/>).
/// </summary>
/// <param name="Request">The store's admission request.</param>
/// <param name="Identity">The caller as authenticated.</param>
/// <param name="Tool">The tool the request names (what a refusal is recorded under).</param>
/// <param name="Scopes">The scope of each rate-limit window, in order.</param>
/// <param name="Budget">The token budget reserved with it, when any.</param>
/// <param name="Run">The run's part, when the request acts in a run with limits.</param>
/// <param name="Evaluation">An evaluation's token presented on the action, used up with it.</param>
/// <param name="TokenId">The id of the decision token the request may be issued, recorded with it.</param>
/// <param name="TokenRecord">The name of that token's record: its request's nonce (<see cref="StoreKeys.NonceName"/>).</param>
internal sealed record AdmissionPlan(
    AdmissionRequest Request,
    AgentIdentity Identity,
    string? Tool,
    IReadOnlyList<string>? Scopes,
    BudgetReservation? Budget,
    RunAdmissionPlan? Run,
    DecisionTokenPayload? Evaluation,
    string? TokenId,
    string? TokenRecord)
{
    // The switches Read refuses on whatever else the store answers (a revoked or retired secret), from the one reading of
    // them (StopOf); a suspension is not among them: a suspended agent may still make some requests (LocalDecision).
    private static readonly uint RegisteredStops = Stops(delegated: false);
    private static readonly uint DelegatedStops = Stops(delegated: true);

    /// <summary>
    /// The kill switches that refuse a request whatever else the store answers (<see cref="AdmissionRequest.StoppingSwitches"/>,
    /// bit <c>i</c> for the key at index <c>i</c> of <see cref="AgentStatusService.SwitchKeys"/>, or of
    /// <see cref="AgentStatusService.DelegateSwitchKeys"/> for a <paramref name="delegated"/> child): those <see cref="Read"/>
    /// refuses before the rate limit, so that a refused request uses up no window, counter or budget.
    /// </summary>
    public static uint StoppingSwitches(bool delegated) => delegated ? DelegatedStops : RegisteredStops;

    private static uint Stops(bool delegated)
    {
        var stops = 0u;
        for (var i = 0; i < AdmissionRequest.MaxSwitchKeys; i++)
        {
            if (AgentStatusService.StopOf(1u << i, delegated) is KillSwitchStop.SecretRevoked or KillSwitchStop.SecretRetired)
            {
                stops |= 1u << i;
            }
        }

        return stops;
    }

    /// <summary>The agent as <see cref="Reservations.AdmissionView"/> knows it; null for a delegated child.</summary>
    public (string Tenant, string Agent, string? Fingerprint)? ViewKey =>
        Identity.Delegation is null ? (Identity.Tenant, Identity.Agent, Identity.SecretFingerprint) : null;

    /// <summary>
    /// The admission the store's answer makes: the refusal when the request may not go on, else the identity with the
    /// operator's (or the tenant's) suspension applied and what was reserved and recorded. A refusal still holds what the
    /// store reserved for it (<see cref="Admission.Reservation"/>, <see cref="Admission.Run"/>), to be given back.
    /// </summary>
    public Admission Read(AdmissionOutcome outcome)
    {
        if (!outcome.NonceFresh)
        {
            return Admission.Replayed;
        }

        var reservation = TokenBudgetGate.Admitted(Budget, outcome.Budget);
        var spent = Run is null || outcome.Counters is { Reserved: false } ? null : RunLimitGate.Admitted(Run, outcome.Counters);
        // The one reading of a caller's kill switches, the MCP session's paths' too (AgentStatusService.IsStoppedAsync).
        var stop = AgentStatusService.StopOf(outcome.SwitchesOn, delegated: Identity.Delegation is not null);
        if (stop is KillSwitchStop.SecretRevoked or KillSwitchStop.SecretRetired)
        {
            return (stop == KillSwitchStop.SecretRevoked ? Admission.SecretRevoked : Admission.SecretRetired) with { Reservation = reservation, Run = spent };
        }

        if (!outcome.RateLimit.Admitted)
        {
            return new Admission(AdmissionVerdict.RateLimited, Identity, Scopes![outcome.RateLimit.RefusedIndex], outcome.RateLimit.RetryAfter);
        }

        if (Run is not null && outcome.Counters is { Reserved: false } counted)
        {
            // A limit of the run is used up: nothing was counted or reserved, not even the budget.
            return new Admission(AdmissionVerdict.RunLimitExceeded, Identity, null, TimeSpan.Zero) { RunLimitRefusal = RunLimitGate.Refused(Run, counted) };
        }

        var grant = outcome.Token is { } recorded ? new DecisionTokenGrant(TokenId!, recorded.Generations[0], recorded.Generations[1]) { Record = TokenRecord } : null;
        if (Evaluation is not null && outcome.Token is { } used && EvaluationVerdict(Evaluation, used) is { } refusedEvaluation)
        {
            return new Admission(refusedEvaluation, Identity, null, TimeSpan.Zero) { Reservation = reservation, Run = spent };
        }

        var suspended = stop == KillSwitchStop.Suspended;
        return new Admission(AdmissionVerdict.Admitted, suspended ? Identity with { Suspended = true } : Identity, null, TimeSpan.Zero)
        {
            Reservation = reservation,
            TokenGrant = grant,
            Evaluation = outcome.Token is not null ? Evaluation : null,
            Run = spent,
            Described = Run?.Described,
        };
    }

    // An evaluation's token is good for the action once, while the generations it was issued under are current.
    private static AdmissionVerdict? EvaluationVerdict(DecisionTokenPayload evaluation, TokenRecordingOutcome recorded) => recorded.Consumption switch
    {
        TokenConsumption.AlreadyUsed => AdmissionVerdict.EvaluationUsed,
        TokenConsumption.Consumed when TokenGenerations.RevocationOf(evaluation, recorded.Generations[0], recorded.Generations[1]) is null => null,
        _ => AdmissionVerdict.EvaluationRevoked,
    };
}
