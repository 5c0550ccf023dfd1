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

    public static Decision Block(Decision decided, DecisionTokenPayload evaluation)
    {
        // The controls before the approval gate as they ran, then the gate failing: a short-circuit block.
        var path = new List<ControlResult>(decided.Explanation.DecisionPath.Count + 1);
        foreach (var result in decided.Explanation.DecisionPath)
        {
            if (result.Control < ControlId.ApprovalGate)
            {
                path.Add(result);
            }
        }

        path.Add(new ControlResult
        {
            Control = ControlId.ApprovalGate,
            Outcome = ControlOutcome.Fail,
            Severity = Severity.Critical,
            MissingEvidence = $"The decision token presented was evaluated for another action (tool '{evaluation.Tool}', intent {evaluation.IntentDigest}).",
            Remedy = "Evaluate this exact action (POST /v1/evaluate) and present its token, or send the action without one.",
        });
        return decided with
        {
            Kind = DecisionKind.Block,
            WouldBe = DecisionKind.Block,
            Simulated = false,
            Explanation = decided.Explanation with
            {
                DecisionPath = path,
                WhatWouldChange = [path[^1].Remedy!],
                Simulated = false,
                WouldBe = null,
            },
        };
    }
}
