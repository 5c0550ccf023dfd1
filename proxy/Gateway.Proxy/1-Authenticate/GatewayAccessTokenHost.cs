using Gateway.Authorization.AccessTokens;
using Gateway.Policy;
using Gateway.Proxy.Configuration;
using Gateway.Proxy.Pipeline;
using Gateway.Store;
using Microsoft.Extensions.Options;

namespace Gateway.Proxy.Authenticate;

/// <summary>
/// The gateway as the access-token service's host: agents from the loaded bundle (their secrets never leave this class:
/// it checks MACs; for an agent registered with a public key, signatures under it), the protected resources (the
/// endpoints marked <see cref="AccessTokenResourceMetadata"/>), the signed requests' window, and the signature scheme for
/// token requests signed instead of asserted.
/// </summary>
internal sealed class GatewayAccessTokenHost : IAccessTokenHost
{
    private readonly IAgentDirectory _agents;
    private readonly EndpointDataSource _endpoints;
    private readonly GatewayOptions _gateway;

    public GatewayAccessTokenHost(IAgentDirectory agents, EndpointDataSource endpoints, IOptions<GatewayOptions> gateway)
    {
        _agents = agents;
        _endpoints = endpoints;
        _gateway = gateway.Value;
    }

    public IReadOnlyList<string> ResourcePaths =>
        _endpoints.Endpoints
            .Select(static endpoint => endpoint.Metadata.GetMetadata<AccessTokenResourceMetadata>()?.ResourcePath)
            .OfType<string>()
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .ToList();

    public TimeSpan ClockSkew => _gateway.Authentication.MaxClockSkew;

    public TimeSpan NonceLifetime => _gateway.Authentication.NonceLifetime;

    public string NonceKey(AuthenticatedCaller subject, string nonce) => StoreKeys.Nonce(subject.Tenant, subject.Agent, nonce);

    public AccessTokenClient FindClient(AuthenticatedCaller subject)
    {
        var lookup = _agents.Find(subject.Tenant, subject.Workspace, subject.Agent);
        return lookup switch
        {
            // Either key of a rotation's window (the current, or the next), the one the JWS alg and any kid name.
            { Status: AgentLookupStatus.Found, Key: { } key } => AccessTokenClient.FoundWithKey((algorithm, keyId, input, signature) =>
                new[] { key, lookup.NextKey }.FirstOrDefault(k => k is not null && k.JwsAlgorithm == algorithm && (keyId is null || keyId == k.KeyId)
                    && k.Verify(input, signature))?.Fingerprint),

            // Either secret of a rotation's window, both compared in constant time.
            { Status: AgentLookupStatus.Found } => AccessTokenClient.Found((input, mac) => SignatureSlotVerifier.Match(lookup, (input, mac),
                static (secret, s) => secret.Key.Verify(s.input, s.mac))?.Secret.Fingerprint),
            { Status: AgentLookupStatus.SecretUnavailable } => AccessTokenClient.Unknown(AccessTokenClientStatus.Unavailable),
            _ => AccessTokenClient.Unknown(AccessTokenClientStatus.Unknown),
        };
    }

    public async Task<SignedClient> AuthenticateSignedAsync(HttpContext context)
    {
        var challenge = await context.RequestServices.GetRequiredService<AgentAuthenticator>().AuthenticateAsync(context).ConfigureAwait(false);
        if (challenge is not null || context.GatewayRequest().Find<AuthenticatedRequest>() is not { } authenticated)
        {
            return SignedClient.Refused(challenge?.Refusal.Code ?? "the request is not signed");
        }

        var identity = authenticated.Identity;
        if (identity.Delegation is not null)
        {
            // A child signs each of its requests and lives only as long as its ancestors; a token would outlive both checks.
            return SignedClient.Refused("a delegated child signs each request and takes no access token");
        }

        return new SignedClient(new AuthenticatedCaller(identity.Tenant, identity.Workspace, identity.Agent), identity.Nonce, string.Empty)
        {
            SecretFingerprint = identity.SecretFingerprint,
        };
    }
}
