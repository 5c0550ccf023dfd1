namespace Gateway.Authorization.Interactive;

/// <summary>
/// An authorization request the endpoint checked (client, redirect URI, PKCE challenge, resource) and keeps in the state
/// store while the person signs in and consents; its id is the only thing the browser carries to the console. Its
/// <see cref="Scopes"/> are the requested scopes the agent's block declares (empty when it declares none).
/// </summary>
public sealed record PendingAuthorization(
    string Tenant,
    string Agent,
    string ClientId,
    string RedirectUri,
    string CodeChallenge,
    string Resource,
    string? State,
    string Issuer)
{
    /// <summary>The scopes asked for that the agent's <c>interactive:</c> block declares, in its order.</summary>
    public IReadOnlyList<string> Scopes { get; init; } = [];
}
