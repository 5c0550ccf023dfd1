using Gateway.Audit;
using Gateway.Proxy.Bundle;
using Gateway.Proxy.People;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Security;
using Microsoft.Extensions.Options;

namespace Gateway.Proxy.Authenticate;

/// <summary>
/// The person half of authentication, run once the agent's signature (which covers the person's token) verified: the
/// token is checked against the agent's tenant's OpenID provider (<see cref="PersonTokenVerifier"/>). A refused token is
/// refused, with the audit entry it is recorded under (<see cref="RefusalEntry"/>: the agent who sent it, which the
/// signature proved; not the person, who is not); the Record stage's writer appends it.
/// </summary>
internal sealed class PersonAuthentication
{
    private readonly PolicyProvider _policy;
    private readonly PersonTokenVerifier _verifier;

    public PersonAuthentication(PolicyProvider policy, PersonTokenVerifier verifier, IOptions<PersonOptions> options)
    {
        _policy = policy;
        _verifier = verifier;
        MaxTokenLength = options.Value.MaxTokenLength;
    }

    /// <summary>The longest <c>X-Gamut-Person</c> accepted.</summary>
    public int MaxTokenLength { get; }

    /// <summary>The verified person, or the refusal (recorded under <see cref="RefusalEntry"/>).</summary>
    public async ValueTask<PersonTokenCheck> AuthenticateAsync(HttpContext context, AgentIdentity agent, string token)
    {
        var provider = _policy.Current?.Set is { } set && set.TryGetTenant(agent.Tenant, out var tenant) ? tenant?.Register.OpenIdProvider : null;
        return await _verifier.VerifyAsync(provider, token, context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>The audit entry <paramref name="refused"/> is recorded under: the agent that sent it (proven), not the person (refused).</summary>
    public static AuditEntry RefusalEntry(HttpContext context, AgentIdentity agent, PersonTokenCheck refused)
    {
        ArgumentNullException.ThrowIfNull(agent);
        return new AuditEntry
        {
            Tenant = agent.Tenant,
            Workspace = agent.Workspace,
            Agent = agent.Agent,
            RequestId = RequestIdMiddleware.GetRequestId(context),
            Decision = "refused:" + refused.Code,
            SecretSlot = agent.SecretSlot?.WireName(),
            StatusCode = refused.Status,
        };
    }
}
