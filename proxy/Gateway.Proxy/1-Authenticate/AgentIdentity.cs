using Gateway.Policy;
using Gateway.Proxy.Security;

namespace Gateway.Proxy.Authenticate;

/// <summary>
/// An authenticated agent: who it is (<see cref="Caller"/>, the one record of the caller's identity: tenant, workspace and
/// agent from the signed headers or the access token, never from a body) and how the request proved it (its nonce and
/// timestamp, the secret or key that verified it, the run and delegation it acts under).
/// </summary>
public sealed record AgentIdentity(AuthenticatedCaller Caller, string Nonce, long Timestamp)
{
    public string Tenant => Caller.Tenant;

    public string Workspace => Caller.Workspace;

    public string Agent => Caller.Agent;

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
    public ActingPerson? Person
    {
        get => Caller.Person;
        init => Caller = Caller with { Person = value };
    }

    /// <summary>
    /// Who is acting (person → agent → child → …), <see cref="Agent"/> its last link: the agent alone unless the
    /// request was signed by a delegated child or made for a person (<see cref="Person"/> at its head).
    /// </summary>
    public ActorChain Chain { get; init; } = ActorChain.Of(Caller.Agent);

    /// <summary>For a delegated child: its grant, as the shared store holds it now (its scope is the caller's); null for a registered agent.</summary>
    public DelegatedAgent? Delegation
    {
        get;
        init
        {
            field = value;
            Caller = Caller with { Delegation = value?.Scope };
        }
    }

    /// <summary>
    /// For a token of a person's interactive client: the scopes the person consented to (its <c>scope</c> claim, empty
    /// for none); null for every other request (a signed one, an agent's own token), which no declared scope limits.
    /// </summary>
    public IReadOnlyList<string>? TokenScopes { get; init; }

    /// <summary>For a token of a person's interactive client: its token family (the consent it was issued under); null for every other request.</summary>
    public string? TokenFamily { get; init; }

    /// <summary>The run the request acts in (<c>X-Gamut-Run</c>, or a delegated child's grant), as stored when it arrived; null for none.</summary>
    public RunBinding? Run { get; init; }

    /// <summary>The registered agent whose entry, limits and kill switches govern the request: <see cref="Agent"/>, or a child's agent.</summary>
    public string RegisteredAgent => Delegation?.Scope.Agent ?? Agent;

    /// <summary>The chain's links when they say more than the signing agent alone (what decisions, tokens and records carry); else null.</summary>
    public IReadOnlyList<ActorLink>? ChainLinks => Chain.IsDelegatedOrForPerson ? Chain.Links : null;

    /// <summary>Whose kill switches stop the caller, as the Admit stage reads them (for the MCP session's own paths).</summary>
    public Oversight.Agents.KillSwitchCaller KillSwitches => new(Tenant, Agent, SecretFingerprint)
    {
        RegisteredAgent = Delegation?.Scope.Agent,
        IssuerSecretFingerprint = Delegation?.Record.IssuerSecretFingerprint,
    };
}
