namespace Gateway.Proxy.Authenticate;

/// <summary>
/// The names of the agent protocol's authentication: the scheme (<see cref="AgentSignatureHandler"/>),
/// the authorization policy every agent route requires, and the claims of an authenticated agent.
/// Minimal-API endpoints call <c>.RequireAuthorization(AgentSignatureDefaults.AuthorizationPolicy)</c>;
/// YARP routes set <c>RouteConfig.AuthorizationPolicy</c> to the same name.
/// </summary>
public static class AgentSignatureDefaults
{
    /// <summary>The authentication scheme that proves a signed request.</summary>
    public const string AuthenticationScheme = "GamutAgentSignature";

    /// <summary>The authorization policy of every agent route: a request proven by <see cref="AuthenticationScheme"/>.</summary>
    public const string AuthorizationPolicy = "GamutAgent";

    /// <summary>The claim carrying the signed tenant.</summary>
    public const string TenantClaim = "gamut:tenant";

    /// <summary>The claim carrying the signed workspace.</summary>
    public const string WorkspaceClaim = "gamut:workspace";

    /// <summary>The claim carrying the signed agent id (also the principal's name).</summary>
    public const string AgentClaim = "gamut:agent";
}
