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

    /// <summary>Token exchange: the <c>resource</c> asked for (an absolute URI), when the provider wants one.</summary>
    public Uri? Resource { get; init; }

    /// <summary>Token exchange: the <c>scope</c> asked for, when given.</summary>
    public string? Scope { get; init; }

    /// <summary>Vault: the prefix of the person's credential's name, <c>&lt;vault_prefix&gt;.&lt;subject&gt;</c>.</summary>
    public string? VaultPrefix { get; init; }

    /// <summary>What a token obtained for the person is cached under, with the person: the audience and resource asked.</summary>
    public string CacheKey => (Audience ?? string.Empty) + "\n" + (Resource?.AbsoluteUri ?? string.Empty) + "\n" + (Scope ?? string.Empty);
}
