namespace Gateway.Policy;

/// <summary>
/// Who is acting, from the first principal to the identity that signed the request: an optional person, the registered
/// agent acting (for them), then each delegated child in issuing order (person → agent → child → …). The Authenticate
/// stage produces it; every decision's explanation, decision token and audit record carries it when it says more than
/// the signing agent alone (<see cref="IsDelegatedOrForPerson"/>).
/// </summary>
public sealed record ActorChain
{
    private ActorChain(IReadOnlyList<ActorLink> links) => Links = links;

    /// <summary>The links, first principal first; never empty, exactly one <see cref="ActorKind.Agent"/> link.</summary>
    public IReadOnlyList<ActorLink> Links { get; }

    /// <summary>The person at the head of the chain, when the agent acts for one.</summary>
    public ActorLink? Person => Links[0].Kind == ActorKind.Person ? Links[0] : null;

    /// <summary>The registered agent: the chain's root of authority (its bundle entry is what every child narrows).</summary>
    public string Agent => Links[Person is null ? 0 : 1].Id;

    /// <summary>The identity that signed the request: the last link.</summary>
    public ActorLink Actor => Links[^1];

    /// <summary>How many delegations lie between the registered agent and the actor (0 for the agent itself).</summary>
    public int Depth => Links.Count - (Person is null ? 1 : 2);

    /// <summary>True when the chain says more than the signing agent alone: a delegated child, or a person acted for.</summary>
    public bool IsDelegatedOrForPerson => Links.Count > 1;

    /// <summary>The chain of a registered agent acting on its own.</summary>
    public static ActorChain Of(string agent)
    {
        ArgumentException.ThrowIfNullOrEmpty(agent);
        return new ActorChain([new ActorLink(ActorKind.Agent, agent)]);
    }

    /// <summary>The chain of a registered agent acting for <paramref name="person"/> (the person is the first link).</summary>
    public static ActorChain ForPerson(string person, string agent)
    {
        ArgumentException.ThrowIfNullOrEmpty(person);
        ArgumentException.ThrowIfNullOrEmpty(agent);
        return new ActorChain([new ActorLink(ActorKind.Person, person), new ActorLink(ActorKind.Agent, agent)]);
    }

    /// <summary>
    /// Rebuilds a chain from its links (a stored delegation's): a person only first, then exactly one agent, then
    /// delegates only. Throws <see cref="FormatException"/> for any other shape.
    /// </summary>
    public static ActorChain From(IReadOnlyList<ActorLink> links)
    {
        ArgumentNullException.ThrowIfNull(links);
        var at = links.Count > 0 && links[0].Kind == ActorKind.Person ? 1 : 0;
        if (links.Count <= at || links[at].Kind != ActorKind.Agent)
        {
            throw new FormatException("An actor chain is an optional person, then one registered agent, then its delegates.");
        }

        for (var i = 0; i < links.Count; i++)
        {
            if (string.IsNullOrEmpty(links[i].Id) || (i > at && links[i].Kind != ActorKind.Delegate))
            {
                throw new FormatException("An actor chain is an optional person, then one registered agent, then its delegates.");
            }
        }

        return new ActorChain([.. links]);
    }

    /// <summary>This chain with <paramref name="child"/> (a <see cref="ActorKind.Delegate"/> link) appended as its new actor.</summary>
    public ActorChain Delegate(ActorLink child)
    {
        ArgumentNullException.ThrowIfNull(child);
        if (child.Kind != ActorKind.Delegate)
        {
            throw new ArgumentException("Only a delegate link extends a chain.", nameof(child));
        }

        return new ActorChain([.. Links, child]);
    }

    /// <summary><c>person:alice → agent:a → delegate:dlg-…</c>, for logs and messages.</summary>
    public override string ToString() => string.Join(" → ", Links.Select(static l => WireNames.Of(l.Kind) + ":" + l.Id));
}
