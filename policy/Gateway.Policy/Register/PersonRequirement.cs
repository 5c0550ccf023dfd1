namespace Gateway.Policy;

/// <summary>
/// A catalog entry's <c>person:</c>: the connector acts for a person, so a request without one is refused
/// (<c>person_required</c>), and the upstream is sent the person's own authority per <see cref="Credential"/>.
/// </summary>
public sealed record PersonRequirement
{
    public PersonCredential Credential { get; init; } = PersonCredential.None;

    /// <summary>Token exchange: the <c>audience</c> asked for (the upstream's identifier at the provider).</summary>
    public string? Audience { get; init; }

    /// <summary>Token exchange, per person: the <c>resource</c> asked for (an absolute URI, RFC 8707), when wanted.</summary>
    public Uri? Resource { get; init; }

    /// <summary>Token exchange: the <c>scope</c> asked for, when given.</summary>
    public string? Scope { get; init; }

    /// <summary>Vault: the prefix of the person's credential's name, <c>&lt;vault_prefix&gt;.&lt;subject&gt;</c>.</summary>
    public string? VaultPrefix { get; init; }

    /// <summary>Per person: the issuer of the upstream's OAuth authorization server the person links their account at.</summary>
    public Uri? AuthorizationServer { get; init; }

    /// <summary>Per person: <see cref="AuthorizationServer"/> as written (its metadata's <c>issuer</c> must be exactly this).</summary>
    public string? AuthorizationServerText { get; init; }

    /// <summary>Per person: how the gateway is the authorization server's client.</summary>
    public PersonClient? Client { get; init; }

    /// <summary>Per person: the scopes asked for at linking (none: the server's default).</summary>
    public IReadOnlyList<string> Scopes { get; init; } = [];

    /// <summary>
    /// Per person: the authorization server accepts an RFC 8693 token exchange of the person's identity-provider token, so
    /// the gateway exchanges it (when the request carries one) instead of asking the person to link their account.
    /// </summary>
    public bool TokenExchange { get; init; }

    /// <summary>Per person: a delegated child acting for the person may use their account too (otherwise <c>person_delegation_not_allowed</c>).</summary>
    public bool Delegated { get; init; }

    /// <summary>What a token obtained for the person is cached under, with the person: the audience and resource asked.</summary>
    public string CacheKey => (Audience ?? string.Empty) + "\n" + (Resource?.AbsoluteUri ?? string.Empty) + "\n" + (Scope ?? string.Empty);
}
