using Gateway.Oversight.Audit;
using Gateway.Oversight.Http;
using Gateway.Proxy.Bundle;
using Gateway.Proxy.People;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Security;
using Microsoft.Extensions.Options;

namespace Gateway.Proxy.Authenticate;

/// <summary>
/// The person half of authentication, run once the agent's signature (which covers the person's token) verified: the
/// token is checked against the agent's tenant's OpenID provider (<see cref="PersonTokenVerifier"/>). A refused token is
/// recorded in the tenant's audit journal under the agent who sent it (the signature proved who that is), then refused.
/// </summary>
internal sealed class PersonAuthentication
{
    private readonly PolicyProvider _policy;
    private readonly PersonTokenVerifier _verifier;
    private readonly AuditJournal _audit;

    public PersonAuthentication(PolicyProvider policy, PersonTokenVerifier verifier, AuditJournal audit, IOptions<PersonOptions> options)
    {
        _policy = policy;
        _verifier = verifier;
        _audit = audit;
        MaxTokenLength = options.Value.MaxTokenLength;
    }

    /// <summary>The longest <c>X-Gamut-Person</c> accepted.</summary>
    public int MaxTokenLength { get; }

    /// <summary>The verified person, or the refusal, already recorded.</summary>
    public async ValueTask<PersonTokenCheck> AuthenticateAsync(HttpContext context, AgentIdentity agent, string token)
    {
        var provider = _policy.Current?.Set is { } set && set.TryGetTenant(agent.Tenant, out var tenant) ? tenant?.Register.OpenIdProvider : null;
        var check = await _verifier.VerifyAsync(provider, token, context.RequestAborted).ConfigureAwait(false);
        return check.Person is not null ? check : await RecordRefusalAsync(context, agent, check).ConfigureAwait(false);
    }

    /// <summary><paramref name="refused"/>, recorded under the agent that sent it; a 503 when it could not be recorded.</summary>
    public async ValueTask<PersonTokenCheck> RecordRefusalAsync(HttpContext context, AgentIdentity agent, PersonTokenCheck refused)
    {
        ArgumentNullException.ThrowIfNull(agent);
        try
        {
            // As the Record stage writes a refusal made before any decision; the agent is proven, the person is not.
            await _audit.AppendAsync(
                new AuditEntry
                {
                    Tenant = agent.Tenant,
                    Workspace = agent.Workspace,
                    Agent = agent.Agent,
                    RequestId = RequestIdMiddleware.GetRequestId(context),
                    Decision = "refused:" + refused.Code,
                    SecretSlot = agent.SecretSlot?.WireName(),
                    StatusCode = refused.Status,
                },
                context.RequestAborted).ConfigureAwait(false);
        }
        catch (AuditWriteException)
        {
            return PersonTokenCheck.Refused(StatusCodes.Status503ServiceUnavailable, ProblemCodes.AuditUnavailable,
                "The refusal could not be recorded; nothing was forwarded.");
        }

        return refused;
    }
}
