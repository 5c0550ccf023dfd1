using Gateway.Connectors.Signing;
using Gateway.Oversight;
using Gateway.Policy.Tokens;
using Gateway.Proxy.Authenticate;
using Gateway.Proxy.Refusals;

namespace Gateway.Proxy.Admit;

/// <summary>
/// The decision token of an evaluation (<c>/v1/evaluate</c>) that the agent presents on the action it evaluated, in
/// <c>X-Gamut-Decision-Token</c>: signed by this gateway, issued to this caller by an evaluation under the policy in
/// force, and not expired. The admission then uses it once (<see cref="AdmissionGate"/>), and the decision must be for
/// the same intent.
/// </summary>
internal static class PresentedEvaluation
{
    /// <summary>
    /// The presented token's payload; null with no refusal when none was presented; a refusal (403, recorded under
    /// <paramref name="tool"/>) when one was presented that may not be used here.
    /// </summary>
    public static (DecisionTokenPayload? Token, Refusal? Refusal) Read(HttpRequest request, DecisionTokenReader reader, AgentIdentity caller, string policyDigest, TimeProvider time, string? tool)
    {
        var presented = request.Headers[SignatureHeaders.DecisionToken];
        if (presented.Count == 0)
        {
            return (null, null);
        }

        if (presented.Count > 1)
        {
            return (null, Refused(ProblemCodes.DecisionTokenInvalid, "Present one decision token, once.", tool));
        }

        var read = reader.Read(presented[0]);
        if (read.Payload is not { } token)
        {
            return (null, Refused(ProblemCodes.DecisionTokenInvalid, "The presented decision token is not one this gateway issued (" + read.Failure + ").", tool));
        }

        if (!string.Equals(token.Tenant, caller.Tenant, StringComparison.Ordinal) || !string.Equals(token.Agent, caller.Agent, StringComparison.Ordinal))
        {
            return (null, Refused(ProblemCodes.DecisionTokenInvalid, "The presented decision token was issued to another agent.", tool));
        }

        if (token.Evaluation != true)
        {
            return (null, Refused(ProblemCodes.DecisionTokenInvalid, "Only a decision token from /v1/evaluate may be presented on an action.", tool));
        }

        if (time.GetUtcNow().ToUnixTimeSeconds() >= token.ExpiresAt)
        {
            return (null, Refused(ProblemCodes.DecisionTokenExpired, "The presented decision token has expired; evaluate again.", tool));
        }

        if (!string.Equals(token.PolicyDigest, policyDigest, StringComparison.Ordinal))
        {
            // Evaluated under a policy no longer in force: what was reviewed is not what would be decided now.
            return (null, Refused(ProblemCodes.DecisionTokenRevoked, "The presented decision token was issued under a policy no longer in force; evaluate again.", tool));
        }

        return (token, null);
    }

    /// <summary>A presented token refused: 403 with its code, recorded under <paramref name="tool"/>.</summary>
    public static Refusal Refused(string code, string detail, string? tool) =>
        new(StatusCodes.Status403Forbidden, code, detail) { AuditTool = tool };
}
