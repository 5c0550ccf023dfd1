using Gateway.Policy;
using Gateway.Policy.Tokens;
using Gateway.Proxy.Authenticate;
using Gateway.Proxy.Refusals;
using Gateway.Proxy.Reservations;

namespace Gateway.Proxy.Admit;

/// <summary>What the Admit stage decided about one request.</summary>
/// <param name="Verdict">Admitted, or why not.</param>
/// <param name="Identity">The caller, with an operator's suspension applied (when admitted).</param>
/// <param name="Scope">For <see cref="AdmissionVerdict.RateLimited"/>: the refusing scope.</param>
/// <param name="RetryAfter">For <see cref="AdmissionVerdict.RateLimited"/>: when the window resets.</param>
internal sealed record Admission(AdmissionVerdict Verdict, AgentIdentity? Identity, string? Scope, TimeSpan RetryAfter)
{
    /// <summary>
    /// For a model call under a token budget: the reservation the admission made (granted or refused),
    /// which Enforce takes up; null when none was asked or made. Held until Enforce takes it up, else
    /// released when the request ends (<see cref="TokenBudgetGate"/>).
    /// </summary>
    public TokenReservation? Reservation { get; init; }

    /// <summary>
    /// The decision token the request may be issued, recorded by the admission under its id, with the token
    /// generations it is issued under; null when none was recorded (a request that issues none, or whose budget was refused).
    /// </summary>
    public DecisionTokenGrant? TokenGrant { get; init; }

    /// <summary>The evaluation's token presented on the action and used up by this admission (live until then); null for none.</summary>
    public DecisionTokenPayload? Evaluation { get; init; }

    /// <summary>
    /// What the admission counted and reserved in the run the request acts in (its action, tokens, cost, its intent's
    /// count); null when it acts in no run or its agent's runs have no limits. Held until the Respond stage settles it.
    /// </summary>
    public RunReservation? Run { get; init; }

    /// <summary>The action as the policy describes it, when the admission needed its intent digest (a run's loop detection); the Decide stage reuses it.</summary>
    public DescribeResult? Described { get; init; }

    /// <summary>
    /// A provisional admission's plan (<see cref="AdmissionGate.Provisional"/>): no store call was made yet; the Record stage
    /// makes it with the decision record and reads it (<see cref="AdmissionPlan.Read"/>). Null when the store answered here.
    /// </summary>
    public AdmissionPlan? Plan { get; init; }

    /// <summary>For <see cref="AdmissionVerdict.RunLimitExceeded"/>: the refusal, naming the limit.</summary>
    public Refusal? RunLimitRefusal { get; init; }

    /// <summary>The refusal of an admission that did not admit the request, recorded under <paramref name="tool"/> where it says so (<see cref="AdmissionRefusal"/>).</summary>
    public Refusal RefusalFor(string? tool) => AdmissionRefusal.For(this, tool);

    public static readonly Admission Replayed = new(AdmissionVerdict.Replayed, null, null, TimeSpan.Zero);

    public static readonly Admission SecretRevoked = new(AdmissionVerdict.SecretRevoked, null, null, TimeSpan.Zero);

    public static readonly Admission SecretRetired = new(AdmissionVerdict.SecretRetired, null, null, TimeSpan.Zero);
}

/// <summary>The Admit stage's verdicts.</summary>
internal enum AdmissionVerdict
{
    Admitted,
    Replayed,
    SecretRevoked,

    /// <summary>The secret that signed the request was retired (the agent's other secret is still accepted).</summary>
    SecretRetired,
    RateLimited,

    /// <summary>The evaluation's token presented on the action was used before.</summary>
    EvaluationUsed,

    /// <summary>The evaluation's token presented on the action was revoked, or the gateway holds no record of it.</summary>
    EvaluationRevoked,

    /// <summary>A limit of the run the request acts in is used up (<see cref="Admission.RunLimitRefusal"/> names it).</summary>
    RunLimitExceeded,
}
