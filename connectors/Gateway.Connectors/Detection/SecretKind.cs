namespace Gateway.Connectors.Detection;

/// <summary>What a <see cref="SecretFinding"/> found.</summary>
public enum SecretKind
{
    /// <summary>A member naming provider configuration (<c>base_url</c>, <c>api_base</c>, <c>endpoint</c>…).</summary>
    ProviderConfiguration,

    /// <summary>A member naming a credential (<c>api_key</c>, <c>authorization</c>, <c>password</c>, <c>secret</c>…).</summary>
    CredentialMember,

    /// <summary>A <c>Bearer …</c> string.</summary>
    BearerToken,

    /// <summary>A JSON Web Token.</summary>
    Jwt,

    /// <summary>An API-key shaped string (<c>sk-…</c>, <c>AKIA…</c>, <c>ghp_…</c>…).</summary>
    ApiKey,

    /// <summary>A PEM private key.</summary>
    PrivateKey,
}
