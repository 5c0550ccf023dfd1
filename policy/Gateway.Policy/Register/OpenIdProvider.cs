namespace Gateway.Policy;

/// <summary>
/// A tenant's OpenID provider (<c>openid_provider:</c>): whose identity tokens name the person an agent acts for, and
/// where the gateway exchanges such a token for a person-scoped upstream token (RFC 8693).
/// </summary>
public sealed record OpenIdProvider
{
    /// <summary>The groups claim when the bundle names none.</summary>
    public const string DefaultGroupsClaim = "groups";

    /// <summary>
    /// The issuer, exactly as the provider's tokens and discovery document spell it (<c>iss</c>); its discovery document is
    /// <c>&lt;issuer&gt;/.well-known/openid-configuration</c>. https, or http on a loopback host only.
    /// </summary>
    public required Uri Issuer { get; init; }

    /// <summary>The issuer as written (compared ordinally with a token's <c>iss</c>).</summary>
    public required string IssuerText { get; init; }

    /// <summary>The audiences (<c>aud</c>) a person's token must name one of: the gateway's client ids at the provider.</summary>
    public required IReadOnlyList<string> Audiences { get; init; }

    /// <summary>The claim that lists the person's groups (an array of strings, or one string).</summary>
    public string GroupsClaim { get; init; } = DefaultGroupsClaim;

    /// <summary>The gateway's client id at the provider, for token exchange; null when no connector exchanges tokens.</summary>
    public string? ClientId { get; init; }

    /// <summary>The gateway's client secret at the provider (a secret reference), for token exchange.</summary>
    public SecretReference? ClientSecret { get; init; }

    /// <summary>The discovery document's address.</summary>
    public Uri DiscoveryDocument => new(IssuerText.TrimEnd('/') + "/.well-known/openid-configuration", UriKind.Absolute);
}
