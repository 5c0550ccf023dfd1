using Gateway.Oversight;
using Gateway.Proxy.Refusals;

namespace Gateway.Proxy.Admit;

/// <summary>The refusal for an <see cref="Admission"/> that did not admit the request.</summary>
internal static class AdmissionRefusal
{
    /// <summary>
    /// A replay, a revoked or a retired secret is 401; an exhausted rate limit or run limit 429; an evaluation's token used
    /// before or revoked 403; a replay, a rate limit, a run limit and a refused token are recorded under
    /// <paramref name="tool"/> (when there is one); a revoked or retired secret under it, or under none without one, once a
    /// minute per agent, secret, route and code (<see cref="Refusal.RecordedOncePerMinute"/>): it uses no rate-limit window.
    /// </summary>
    public static Refusal For(Admission admission, string? tool) => admission.Verdict switch
    {
        AdmissionVerdict.Replayed => new(StatusCodes.Status401Unauthorized, ProblemCodes.ReplayedNonce, "This nonce was already used.") { AuditTool = tool },
        AdmissionVerdict.SecretRevoked => new(StatusCodes.Status401Unauthorized, ProblemCodes.SecretRevoked, "The agent's runtime secret has been revoked.") { AuditTool = tool, RecordedUnderNoTool = tool is null, RecordedOncePerMinute = true },
        AdmissionVerdict.SecretRetired => new(StatusCodes.Status401Unauthorized, ProblemCodes.SecretRetired, "The secret that signed the request has been retired; sign with the agent's next secret.") { AuditTool = tool, RecordedUnderNoTool = tool is null, RecordedOncePerMinute = true },
        AdmissionVerdict.RateLimited => Refusal.RateLimited(admission.Scope!, admission.RetryAfter, tool),
        AdmissionVerdict.EvaluationUsed => PresentedEvaluation.Refused(ProblemCodes.DecisionTokenUsed, "The presented decision token was already used on an action; evaluate again.", tool),
        AdmissionVerdict.RunLimitExceeded => admission.RunLimitRefusal!,
        AdmissionVerdict.EvaluationRevoked => PresentedEvaluation.Refused(ProblemCodes.DecisionTokenRevoked, "The presented decision token has been revoked (or the gateway holds no record of it); evaluate again.", tool),
        _ => throw new ArgumentException("The request was admitted.", nameof(admission)),
    };
}
