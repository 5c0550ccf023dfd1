namespace Gateway.Proxy.Authenticate;

/// <summary>
/// The names of the agent protocol's authentication: the authentication type of an authenticated agent's principal and
/// its claims (<see cref="AgentPrincipals"/>). Which endpoints require an agent is endpoint metadata
/// (<see cref="AgentRouteMetadata"/>), not an authorization policy.
/// </summary>
public static class AgentSignatureDefaults
{
    /// <summary>The authentication type of an agent's principal: a request proven by the Authenticate stage.</summary>
    public const string AuthenticationType = "GamutAgentSignature";

    /// <summary>The claim carrying the signed tenant.</summary>
    public const string TenantClaim = "gamut:tenant";

    /// <summary>The claim carrying the signed workspace.</summary>
    public const string WorkspaceClaim = "gamut:workspace";

    /// <summary>The claim carrying the signed agent id (also the principal's name).</summary>
    public const string AgentClaim = "gamut:agent";
}
