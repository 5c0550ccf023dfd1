using Gateway.Policy;

namespace Gateway.Authorization.AccessTokens;

/// <summary>What <see cref="IAccessTokenHost.AuthenticateSignedAsync"/> proved: the agent and its request's nonce, or the refusal's code.</summary>
public sealed record SignedClient(AuthenticatedCaller? Subject, string Nonce, string Problem)
{
    /// <summary>The fingerprint of the agent's secret that signed the request (never the secret); null when unknown.</summary>
    public string? SecretFingerprint { get; init; }

    public static SignedClient Refused(string problem) => new(null, string.Empty, problem);
}
