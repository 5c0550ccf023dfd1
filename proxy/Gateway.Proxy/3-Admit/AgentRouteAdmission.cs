using Gateway.Connectors.Detection;
using Gateway.Oversight;
using Gateway.Oversight.Options;
using Gateway.Policy;
using Gateway.Proxy.Authenticate;
using Gateway.Proxy.Bundle;
using Gateway.Proxy.Mcp;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Refusals;
using Microsoft.Extensions.Options;

namespace Gateway.Proxy.Admit;

/// <summary>
/// Admit for the agent routes that forward nothing: the request's one store call (<see cref="AdmissionGate"/>: the nonce
/// stored if absent, the agent's kill switches read, the rate limits counted). A run's body is bounded
/// (<c>Gateway:Runs:MaxEventBytes</c>) and carries no secret material; a delegation counts against its registered agent's
/// issuance window too (429 <c>delegation_rate_limited</c>, recorded). Admitted, the request carries its
/// <see cref="Admission"/>; refused, its <see cref="AgentRouteOutcome"/> (or, on <c>/mcp</c>, the <see cref="Refusal"/>
/// returned, recorded under <see cref="McpEndpoint.AuditTool"/>).
/// </summary>
internal sealed class AgentRouteAdmission
{
    /// <summary>What a delegation's issuance is recorded and rate-limited as.</summary>
    public const string DelegationTool = "delegation";

    private readonly AdmissionGate _gate;
    private readonly PolicyProvider _policy;
    private readonly int _maxRunBodyBytes;

    public AgentRouteAdmission(AdmissionGate gate, PolicyProvider policy, IOptions<OversightOptions> options)
    {
        _gate = gate;
        _policy = policy;
        _maxRunBodyBytes = options.Value.Runs.MaxEventBytes;
    }

    /// <summary>Admits a run, a run event, a delegation or an approval poll: true when admitted.</summary>
    public async ValueTask<bool> AdmitAsync(HttpContext context, AgentRouteKind route)
    {
        var feature = context.GatewayRequest();
        var authenticated = feature.Get<AuthenticatedRequest>();
        var identity = authenticated.Identity;
        var refused = route == AgentRouteKind.Delegation
            ? await AdmitIssuanceAsync(context, feature, identity).ConfigureAwait(false)
            : Admitted(feature, await _gate.AdmitAsync(null, identity, null, context.RequestAborted).ConfigureAwait(false));
        refused ??= route == AgentRouteKind.Run ? RunBodyRefusal(authenticated.Body) : null;
        if (refused is not null)
        {
            feature.Add(refused);
            return false;
        }

        return true;
    }

    /// <summary>
    /// A delegation's issuance counts against the registered agent's rate limits and its own issuance window, whichever
    /// descendant issues: a chain of children mints identities no faster than its agent may. Its rate limits are recorded.
    /// </summary>
    private async ValueTask<AgentRouteOutcome?> AdmitIssuanceAsync(HttpContext context, GatewayRequestFeature feature, AgentIdentity identity)
    {
        var tenant = Tenant(identity);
        var admission = await _gate.AdmitIssuanceAsync(tenant, identity, DelegationTool, tenant?.Register.Delegation ?? DelegationSettings.Default, context.RequestAborted).ConfigureAwait(false);
        if (admission.Verdict == AdmissionVerdict.RateLimited)
        {
            var limited = admission.Scope == AdmissionGate.IssuanceScope ? IssuanceLimited(admission.RetryAfter) : AdmissionRefusal.For(admission, DelegationTool);
            // Recorded under its tool (DelegationTool) by the Record stage's writer.
            return AgentRouteOutcome.Refused(limited);
        }

        return Admitted(feature, admission);
    }

    /// <summary>Null when admitted (the <see cref="Admission"/> added), else the refusal, not recorded (it says nothing about an action).</summary>
    private static AgentRouteOutcome? Admitted(GatewayRequestFeature feature, Admission admission)
    {
        if (admission.Verdict != AdmissionVerdict.Admitted)
        {
            return AgentRouteOutcome.Refused(AdmissionRefusal.For(admission, tool: null));
        }

        feature.Add(admission);
        return null;
    }

    /// <summary>A run's records never hold a body beyond its bound, nor secret material.</summary>
    private AgentRouteOutcome? RunBodyRefusal(ReadOnlyMemory<byte> body)
    {
        if (body.Length > _maxRunBodyBytes)
        {
            return AgentRouteOutcome.Refused(new Refusal(StatusCodes.Status413PayloadTooLarge, ProblemCodes.PayloadTooLarge, $"The body exceeds {_maxRunBodyBytes} bytes."));
        }

        return !body.IsEmpty && SecretMaterialDetector.Scan(body.Span) is [var finding, ..]
            ? AgentRouteOutcome.Refused(new Refusal(StatusCodes.Status400BadRequest, ProblemCodes.SecretMaterialInPayload,
                $"The body carries secret material ({finding.KindName} at {finding.Path}); a run's records never hold one."))
            : null;
    }

    /// <summary>The 429 for an issuance beyond the registered agent's window (<c>delegation.issuance_limit</c>).</summary>
    private static Refusal IssuanceLimited(TimeSpan retryAfter) =>
        new(StatusCodes.Status429TooManyRequests, ProblemCodes.DelegationRateLimited,
            "The registered agent's delegation issuance limit is used up for this window (its children's issuances count too); retry after it resets.")
        {
            RetryAfter = retryAfter,
            AuditTool = DelegationTool,
            Members = writer => writer.WriteString("scope"u8, AdmissionGate.IssuanceScope),
        };

    private TenantPolicy? Tenant(AgentIdentity identity) =>
        _policy.Current?.Set is { } set && set.TryGetTenant(identity.Tenant, out var tenant) ? tenant : null;
}
