using Gateway.Connectors.Detection;
using Gateway.Policy;
using Gateway.Proxy.Auditing;
using Gateway.Proxy.Problems;
using Gateway.Proxy.Requests;

namespace Gateway.Proxy.Governance;

/// <summary>
/// The steps every governed route takes between reading a request and acting on it: refuse secret
/// material, admit (<see cref="AdmissionGate"/>: nonce, kill switches, rate limits in one store call), decide; and, for a decision that may not execute, record it and
/// answer 403 or 409. Store and audit failures propagate for the route to fail closed.
/// </summary>
internal sealed class GovernedAdmission
{
    private readonly GovernanceService _governance;
    private readonly AdmissionGate _admission;
    private readonly AuditRecorder _audit;

    public GovernedAdmission(GovernanceService governance, AdmissionGate admission, AuditRecorder audit)
    {
        _governance = governance;
        _admission = admission;
        _audit = audit;
    }

    /// <summary>The decision, or null when the request was already answered (400 secret material, 401 replayed nonce or revoked secret, 429 rate limited).</summary>
    public async ValueTask<GovernedDecision?> DecideAsync(HttpContext context, TenantPolicy tenant, AgentIdentity identity, ActionRequest request, ReadOnlyMemory<byte> body)
    {
        if (!body.IsEmpty && SecretMaterialDetector.Scan(body.Span) is [var finding, ..])
        {
            await ProblemResponse.WriteAsync(context, StatusCodes.Status400BadRequest, ProblemCodes.SecretMaterialInPayload,
                $"The payload carries provider configuration or secret material ({finding.KindName} at {finding.Path}); the gateway holds credentials, agents never send them.").ConfigureAwait(false);
            return null;
        }

        // Admit: nonce, kill switches and rate limits in one store call.
        var admission = await _admission.AdmitAsync(tenant, identity, request.Tool, context.RequestAborted).ConfigureAwait(false);
        switch (admission.Verdict)
        {
            case AdmissionVerdict.Replayed or AdmissionVerdict.SecretRevoked:
                await GovernedRefusals.NotAdmittedAsync(context, admission).ConfigureAwait(false);
                return null;
            case AdmissionVerdict.RateLimited:
                await _audit.RecordRefusalAsync(context, identity, request.Tool, ProblemCodes.RateLimited, StatusCodes.Status429TooManyRequests).ConfigureAwait(false);
                await GovernedRefusals.RateLimitedAsync(context, admission.Scope!, admission.RetryAfter).ConfigureAwait(false);
                return null;
        }

        identity = admission.Identity!;
        return await _governance.DecideAsync(tenant, identity, request, context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>
    /// For a decision that may not execute: records it and answers 409 (require_approval) or 403 (the
    /// blocks), and returns true. Returns false, having done nothing, when the action may run.
    /// </summary>
    public async ValueTask<bool> RefuseUnlessExecutableAsync(HttpContext context, AgentIdentity identity, GovernedDecision governed)
    {
        if (governed.Decision.MayExecute && governed.Entry is not null)
        {
            return false;
        }

        var status = governed.Kind == DecisionKind.RequireApproval ? StatusCodes.Status409Conflict : StatusCodes.Status403Forbidden;
        await _audit.RecordDecisionAsync(context, identity, governed, status).ConfigureAwait(false);
        await DecisionResponseWriter.WriteRefusalAsync(context, governed).ConfigureAwait(false);
        return true;
    }
}
