namespace Gateway.Authorization.Interactive;

/// <summary>
/// What the host (the gateway) tells the authorization-code grant: which agents accept which interactive clients (the
/// bundle's <c>interactive:</c> blocks), whether a person is suspended, and where a browser goes to sign in and consent.
/// </summary>
public interface IInteractiveHost
{
    /// <summary>Every agent whose <c>interactive:</c> block lists <paramref name="clientId"/>.</summary>
    IReadOnlyList<InteractiveAgent> FindByClient(string clientId);

    /// <summary>The agent's interactive block as the bundle says now, with <paramref name="clientId"/>'s entry; null when it no longer accepts that client.</summary>
    InteractiveAgent? Find(string tenant, string agent, string clientId);

    /// <summary>
    /// True when people of <paramref name="tenant"/> sign in at <paramref name="issuer"/> now (its console's OpenID provider, or
    /// the Development admin-token page): a grant of a provider the tenant has moved away from no longer acts for anyone.
    /// </summary>
    bool SignsInAt(string tenant, string issuer);

    /// <summary>True when an administrator suspended the person who signed in at <paramref name="issuer"/> as <paramref name="subject"/> (read from the store each time).</summary>
    ValueTask<bool> IsPersonSuspendedAsync(string tenant, string issuer, string subject, CancellationToken cancellationToken);

    /// <summary>The agents whose <c>interactive:</c> block accepts clients that registered themselves (RFC 7591).</summary>
    IReadOnlyList<InteractiveAgent> FindForRegisteredClient(string clientId);

    /// <summary>True when some agent accepts clients that registered themselves (the registration endpoint is served).</summary>
    bool AcceptsDynamicRegistration { get; }

    /// <summary>True when some agent lists a client identified by a client ID metadata document (the metadata says so).</summary>
    bool AcceptsMetadataDocuments { get; }

    /// <summary>The gateway-relative path of the console page where the person signs in and consents to <paramref name="requestId"/>.</summary>
    string ConsentPath(string tenant, string requestId);
}
