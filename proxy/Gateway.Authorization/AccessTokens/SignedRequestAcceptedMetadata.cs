namespace Gateway.Authorization.AccessTokens;

/// <summary>
/// Endpoint metadata: the endpoint proves a request signed with the agent protocol's headers when it carries them (it
/// asks the signature scheme itself), and accepts other requests too. The token endpoint carries it.
/// </summary>
public sealed class SignedRequestAcceptedMetadata
{
}
