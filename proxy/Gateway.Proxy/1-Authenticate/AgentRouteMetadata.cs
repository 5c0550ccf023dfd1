namespace Gateway.Proxy.Authenticate;

/// <summary>
/// Endpoint metadata of an agent route: the Authenticate stage (<see cref="AgentAuthenticator"/>) proves every request to
/// it first in its walk. Every YARP route (each route kind's and the connectors' routes) carries it on the endpoint it maps.
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
