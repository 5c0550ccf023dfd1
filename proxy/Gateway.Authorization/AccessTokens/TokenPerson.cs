namespace Gateway.Authorization.AccessTokens;

/// <summary>
/// The person an access token from the authorization-code grant acts for (its <c>person</c> claim): the provider's
/// subject, issuer and groups at sign-in, the interactive client that obtained it, and its token family (revoking the
/// family, or the person's consent, ends the token at once), and the scopes the person consented to (the token's
/// <c>scope</c> claim; empty when it has none).
/// </summary>
public sealed record TokenPerson(string Subject, string Issuer, IReadOnlyList<string> Groups, string ClientId, string Family)
{
    public IReadOnlyList<string> Scopes { get; init; } = [];

    /// <summary>The person's id in the tenant's register (the token's <c>person.rid</c>), when it is not their subject.</summary>
    public string? RegisterId { get; init; }
}
