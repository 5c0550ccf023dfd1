using Gateway.Policy;
using Gateway.Policy.Tokens;

namespace Gateway.Proxy.Decide;

/// <summary>
/// An action that presents an evaluation's decision token is carried out only when it is the action evaluated: the
/// same tool and intent digest. Any other action is blocked (the approval gate fails: what was reviewed does not
/// cover it), whatever the policy would decide, and the token is used up all the same.
/// </summary>
internal static class EvaluationMismatch
{
    /// <summary>True when <paramref name="decided"/> is not about the action <paramref name="evaluation"/> evaluated.</summary>
    public static bool Differs(Decision decided, DecisionTokenPayload evaluation) =>
        decided.Descriptor is not { } descriptor
        || !string.Equals(descriptor.Tool, evaluation.Tool, StringComparison.Ordinal)
        || !string.Equals(decided.IntentDigest, evaluation.IntentDigest, StringComparison.Ordinal);

    public static Decision Block(Decision decided, DecisionTokenPayload evaluation) => ShortCircuitBlock.At(decided, new ControlResult
    {
        Control = ControlId.ApprovalGate,
        Outcome = ControlOutcome.Fail,
        Severity = Severity.Critical,
        MissingEvidence = $"The decision token presented was evaluated for another action (tool '{evaluation.Tool}', intent {evaluation.IntentDigest}).",
        Remedy = "Evaluate this exact action (POST /v1/evaluate) and present its token, or send the action without one.",
    });
}
