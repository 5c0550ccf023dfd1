using Gateway.Policy;
using Gateway.Proxy.Security;

namespace Gateway.Proxy.Authenticate;

/// <summary>An authenticated agent: tenant, workspace and agent come from the signed headers, never from a body.</summary>
public sealed record AgentIdentity(string Tenant, string Workspace, string Agent, string Nonce, long Timestamp)
{
    /// <summary>An operator suspended the agent at run time (kill switch); the lifecycle control blocks it.</summary>
    public bool Suspended { get; init; }

    /// <summary>Which of the agent's secrets (or public keys) verified the signature; null for a request that presented an access token.</summary>
    public SecretSlot? SecretSlot { get; init; }

    /// <summary>
    /// The <see cref="AgentSecret.Fingerprint"/> of the secret that verified the signature, or that obtained the access
    /// token presented (never the secret): the Admit stage refuses the request when that secret was retired.
    /// </summary>
    public string? SecretFingerprint { get; init; }

    /// <summary>
    /// The person the agent acts for: from the <c>X-Gamut-Person</c> identity token, verified against the tenant's OpenID
    /// provider and covered by the request's signature. Null when the request names no person.
    /// </summary>
    public ActingPerson? Person { get; init; }

    /// <summary>
    /// Who is acting (person → agent → child → …), <see cref="Agent"/> its last link: the agent alone unless the
    /// request was signed by a delegated child or made for a person (<see cref="Person"/> at its head).
    /// </summary>
    public ActorChain Chain { get; init; } = ActorChain.Of(Agent);

    /// <summary>For a delegated child: its grant, as the shared store holds it now; null for a registered agent.</summary>
    public DelegatedAgent? Delegation { get; init; }

    /// <summary>The run the request acts in (<c>X-Gamut-Run</c>, or a delegated child's grant), as stored when it arrived; null for none.</summary>
    public RunBinding? Run { get; init; }

    /// <summary>The registered agent whose entry, limits and kill switches govern the request: <see cref="Agent"/>, or a child's agent.</summary>
    public string RegisteredAgent => Delegation?.Scope.Agent ?? Agent;

    /// <summary>The chain's links when they say more than the signing agent alone (what decisions, tokens and records carry); else null.</summary>
    public IReadOnlyList<ActorLink>? ChainLinks => Chain.IsDelegatedOrForPerson ? Chain.Links : null;
}
