using Gateway.Oversight;
using Gateway.Policy;
using Gateway.Proxy.Authenticate;
using Gateway.Proxy.Describe;
using Gateway.Proxy.Refusals;

namespace Gateway.Proxy.Admit;

/// <summary>
/// Admit for a <see cref="LocalAction"/> (a request the gateway serves itself): its one store call
/// (<see cref="AdmissionGate"/>), as its <see cref="LocalAction.Admission"/> says. A delegation's issuance counts against
/// its registered agent's issuance window too (429 <c>delegation_rate_limited</c>, recorded under the action's tool);
/// a rate limit, and any refusal of an issuance, is recorded under the action's tool; a replay of a request that counts no
/// rate limit says nothing about an action and is not recorded, its revoked or retired secret is recorded under no tool.
/// </summary>
internal static class LocalActionAdmission
{
    /// <summary>The admission, or the refusal.</summary>
    public static async ValueTask<(Admission? Admitted, Refusal? Refusal)> AdmitAsync(AdmissionGate gate, LocalAction action, AgentIdentity identity, CancellationToken cancellationToken)
    {
        var admission = action.Admission switch
        {
            LocalAdmission.DelegationIssuance => await gate.AdmitIssuanceAsync(action.Tenant, identity, action.Tool!,
                action.Tenant?.Register.Delegation ?? DelegationSettings.Default, cancellationToken).ConfigureAwait(false),
            LocalAdmission.RateLimited => await gate.AdmitAsync(action.Tenant, identity, action.Tool, cancellationToken).ConfigureAwait(false),
            _ => await gate.AdmitAsync(null, identity, null, cancellationToken).ConfigureAwait(false),
        };
        return admission.Verdict == AdmissionVerdict.Admitted ? (admission, null) : (null, Refused(action, admission));
    }

    private static Refusal Refused(LocalAction action, Admission admission) => action.Admission switch
    {
        LocalAdmission.RateLimited => AdmissionRefusal.For(admission, action.Tool) with { AuditTool = action.Tool },
        LocalAdmission.DelegationIssuance when admission.Verdict == AdmissionVerdict.RateLimited => admission.Scope == AdmissionGate.IssuanceScope
            ? IssuanceLimited(admission.RetryAfter, action.Tool!)
            : AdmissionRefusal.For(admission, action.Tool),
        LocalAdmission.DelegationIssuance => AdmissionRefusal.For(admission, action.Tool),
        _ => AdmissionRefusal.For(admission, tool: null),
    };

    /// <summary>The 429 for an issuance beyond the registered agent's window (<c>delegation.issuance_limit</c>).</summary>
    private static Refusal IssuanceLimited(TimeSpan retryAfter, string tool) =>
        new(StatusCodes.Status429TooManyRequests, ProblemCodes.DelegationRateLimited,
            "The registered agent's delegation issuance limit is used up for this window (its children's issuances count too); retry after it resets.")
        {
            RetryAfter = retryAfter,
            AuditTool = tool,
            Members = writer => writer.WriteString("scope"u8, AdmissionGate.IssuanceScope),
        };
}
