namespace Gateway.Authorization.Interactive;

/// <summary>
/// A person's remembered consent: this client may act as this agent of the tenant for them until <see cref="Ends"/>,
/// with the declared <see cref="Scopes"/> they allowed (empty: none, or the agent declares none).
/// </summary>
public sealed record PersonConsent(string ClientId, string Workspace, string Agent, DateTimeOffset Granted, DateTimeOffset Ends)
{
    public IReadOnlyList<string> Scopes { get; init; } = [];

    /// <summary>True when this consent already allows every one of <paramref name="scopes"/>.</summary>
    public bool Covers(IReadOnlyList<string> scopes) => scopes.All(s => Scopes.Contains(s, StringComparer.Ordinal));
}
