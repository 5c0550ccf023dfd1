namespace Gateway.Proxy.Authenticate;

/// <summary>
/// Endpoint metadata of an agent route: the Authenticate stage (<see cref="AgentAuthenticator"/>) proves every request to
/// it before the endpoint runs. Minimal-API endpoints add it with <see cref="AgentRouteEndpointConventionBuilderExtensions.RequireAgentSignature{TBuilder}"/>;
/// the YARP routes (the governed actions and the connectors' routes) carry it on every endpoint they map.
/// </summary>
internal sealed class AgentRouteMetadata
{
    public static readonly AgentRouteMetadata Instance = new();

    private AgentRouteMetadata()
    {
    }

    /// <summary>True when <paramref name="endpoint"/> is an agent route.</summary>
    public static bool IsAgentRoute(Endpoint? endpoint) => endpoint?.Metadata.GetMetadata<AgentRouteMetadata>() is not null;
}
