using Gateway.Oversight;
using Gateway.Policy;
using Gateway.Proxy.Bundle;
using Gateway.Proxy.Console;
using Gateway.Proxy.People;
using Gateway.Store;
using Microsoft.Extensions.Options;

namespace Gateway.Proxy.Authenticate;

/// <summary>
/// The person half of authentication, run once the agent's signature (which covers the person's token) verified: the
/// token is checked against the agent's tenant's OpenID provider (<see cref="PersonTokenVerifier"/>), and the person must
/// not be suspended by an administrator of the tenant (<see cref="PersonSuspensions"/>, as on <c>/mcp</c> and at sign-in). A refused token is
/// refused, recorded under the agent who sent it (<see cref="RecordedUnder"/>: the signature proved it; not the person,
/// who is not); the Record stage's writer appends it.
/// </summary>
internal sealed class PersonAuthentication
{
    private readonly PolicyProvider _policy;
    private readonly PersonTokenVerifier _verifier;
    private readonly IStateStore _store;
    private readonly ConsoleOptions _console;

    public PersonAuthentication(PolicyProvider policy, PersonTokenVerifier verifier, IStateStore store, IOptions<PersonOptions> options, IOptions<ConsoleOptions> console)
    {
        _store = store;
        _console = console.Value;
        _policy = policy;
        _verifier = verifier;
        MaxTokenLength = options.Value.MaxTokenLength;
    }

    /// <summary>The longest <c>X-Gamut-Person</c> accepted.</summary>
    public int MaxTokenLength { get; }

    /// <summary>The verified person, or the refusal (recorded under <see cref="RecordedUnder"/>).</summary>
    public async ValueTask<PersonTokenCheck> AuthenticateAsync(HttpContext context, AgentIdentity agent, string token)
    {
        var provider = _policy.Current?.Set is { } set && set.TryGetTenant(agent.Tenant, out var tenant) ? tenant?.Register.OpenIdProvider : null;
        // The claim the tenant names people by in its register (the console's), so that an approval can tell them apart.
        var personClaim = _console.Tenants.TryGetValue(agent.Tenant, out var console) ? console.PersonClaim : "sub";
        var check = await _verifier.VerifyAsync(provider, token, personClaim, context.RequestAborted).ConfigureAwait(false);
        if (check.Person is not { } person)
        {
            return check;
        }

        try
        {
            return await PersonSuspensions.IsSuspendedAsync(_store, agent.Tenant, person.Issuer, person.Subject, context.RequestAborted).ConfigureAwait(false)
                ? PersonTokenCheck.Refused(StatusCodes.Status403Forbidden, ProblemCodes.PersonSuspended,
                    "The person this request acts for is suspended by an administrator of the tenant. Nothing was forwarded.")
                : check;
        }
        catch (StateStoreUnavailableException)
        {
            // Whether the person is suspended cannot be read: fail closed.
            return PersonTokenCheck.Refused(StatusCodes.Status503ServiceUnavailable, ProblemCodes.StoreUnavailable,
                "Whether the person this request acts for is suspended cannot be read: the state store is unreachable. Nothing was forwarded.");
        }
    }

    /// <summary>
    /// The identity a refused person's token is recorded under (<see cref="AuthenticationChallenge.RecordedUnder"/>): the agent that sent
    /// it, which the signature proved, without the person, who is not, and without the chain that person would head.
    /// </summary>
    public static AgentIdentity RecordedUnder(AgentIdentity agent)
    {
        ArgumentNullException.ThrowIfNull(agent);
        return agent with { Person = null, Chain = ActorChain.Of(agent.Agent) };
    }
}
