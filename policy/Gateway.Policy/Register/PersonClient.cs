namespace Gateway.Policy;

/// <summary>
/// How the gateway is a client of a <c>per_person</c> connector's upstream authorization server: pre-registered
/// (<see cref="Id"/>, with <see cref="Secret"/> for a confidential client), a client metadata document the gateway serves
/// (its URL is the client id), or RFC 7591 dynamic registration (done once per tenant and connector, kept in the store).
/// </summary>
public sealed record PersonClient
{
    /// <summary>Pre-registered: the client id at the upstream's authorization server.</summary>
    public string? Id { get; init; }

    /// <summary>Pre-registered: the client secret (a <c>vault:</c> reference); null for a public client (PKCE only).</summary>
    public SecretReference? Secret { get; init; }

    /// <summary>The client id is the URL of a client metadata document the gateway serves (a public client).</summary>
    public bool MetadataDocument { get; init; }

    /// <summary>The gateway registers itself at the server's <c>registration_endpoint</c> (RFC 7591).</summary>
    public bool Dynamic { get; init; }
}
