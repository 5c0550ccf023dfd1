namespace Gateway.Policy;

/// <summary>
/// An agent's <c>interactive:</c> block: people's interactive MCP clients (an IDE assistant, a desktop assistant, the
/// MCP Inspector) may act as this agent for a person signed in at the tenant's OpenID provider, through the gateway's
/// authorization-code grant. Who may (subjects and groups), through which clients (each with its exact redirect URIs),
/// in which workspace, and for how long at most (the refresh-token family's lifetime). Requests made with such a token
/// are this agent's, with the person at the head of the actor chain: never more than the agent's own policy allows.
/// </summary>
public sealed record InteractiveAccess
{
    /// <summary>The issuer of a person signed in on the console's Development admin-token page.</summary>
    public const string AdminTokenIssuer = "admin-token";

    /// <summary>The longest session a bundle may grant.</summary>
    public static readonly TimeSpan MaxMaxSession = TimeSpan.FromDays(30);

    /// <summary>The provider subjects (<c>sub</c>) allowed; a person in neither list is refused.</summary>
    public IReadOnlyList<string> People { get; init; } = [];

    /// <summary>The provider groups whose members are allowed.</summary>
    public IReadOnlyList<string> Groups { get; init; } = [];

    /// <summary>Where its people sign in: the tenant's provider (the default) or, in Development only, the admin-token page.</summary>
    public InteractiveSignIn SignIn { get; init; }

    /// <summary>The clients allowed, each with its redirect URIs.</summary>
    public IReadOnlyList<InteractiveClient> Clients { get; init; } = [];

    /// <summary>The workspace the agent acts in for such a client.</summary>
    public required string Workspace { get; init; }

    /// <summary>
    /// True when clients may register themselves (RFC 7591, <c>dynamic_registration: true</c>) and act as this agent
    /// (off by default; a registered client is anyone's, so only the people and groups listed still bound who may use it).
    /// </summary>
    public bool DynamicRegistration { get; init; }

    /// <summary>How long a person's consent lets a client refresh its tokens, from the consent.</summary>
    public TimeSpan MaxSession { get; init; } = TimeSpan.FromHours(8);

    /// <summary>
    /// The scopes the block declares (<c>scopes:</c>); empty (the default) when the agent's policy is the whole scope, as
    /// before scopes existed. A tool that some scope covers needs one of those scopes in the person's consent.
    /// </summary>
    public IReadOnlyList<InteractiveScope> Scopes { get; init; } = [];

    /// <summary>The names of the declared scopes that cover <paramref name="tool"/>: empty when it needs none.</summary>
    public IReadOnlyList<string> ScopesFor(string tool)
    {
        ArgumentNullException.ThrowIfNull(tool);
        return Scopes.Count == 0 ? [] : [.. Scopes.Where(s => s.Covers(tool)).Select(s => s.Name)];
    }

    /// <summary>The names in <paramref name="requested"/> (an OAuth <c>scope</c> parameter's tokens) that the block declares, in its order, once each.</summary>
    public IReadOnlyList<string> Declared(IEnumerable<string> requested)
    {
        ArgumentNullException.ThrowIfNull(requested);
        var asked = requested.ToHashSet(StringComparer.Ordinal);
        return [.. Scopes.Where(s => asked.Contains(s.Name)).Select(s => s.Name)];
    }

    /// <summary>
    /// True when <paramref name="person"/> signed in where the block says (an admin-token sign-in only for a
    /// <see cref="InteractiveSignIn.DevelopmentAdminToken"/> block, and only there) and is listed or in a listed group.
    /// </summary>
    public bool Allows(ActingPerson person)
    {
        ArgumentNullException.ThrowIfNull(person);
        return (person.Issuer == AdminTokenIssuer) == (SignIn == InteractiveSignIn.DevelopmentAdminToken)
            && (People.Contains(person.Subject, StringComparer.Ordinal) || Groups.Any(person.IsInGroup));
    }

    /// <summary>The client registered under <paramref name="clientId"/>, or null.</summary>
    public InteractiveClient? Client(string clientId) =>
        Clients.FirstOrDefault(c => string.Equals(c.ClientId, clientId, StringComparison.Ordinal));
}
