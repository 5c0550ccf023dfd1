namespace Gateway.Connectors.Detection;

/// <summary>One finding: where (a JSONPath such as <c>$.args.headers.Authorization</c>) and what. Never the value.</summary>
/// <param name="Path">JSONPath of the member or string.</param>
/// <param name="Kind">What was found.</param>
public sealed record SecretFinding(string Path, SecretKind Kind)
{
    /// <summary>Wire name: <c>provider_configuration</c>, <c>credential_member</c>, <c>bearer_token</c>, <c>jwt</c>, <c>api_key</c>, <c>private_key</c>.</summary>
    public string KindName => Kind switch
    {
        SecretKind.ProviderConfiguration => "provider_configuration",
        SecretKind.CredentialMember => "credential_member",
        SecretKind.BearerToken => "bearer_token",
        SecretKind.Jwt => "jwt",
        SecretKind.ApiKey => "api_key",
        _ => "private_key",
    };
}
