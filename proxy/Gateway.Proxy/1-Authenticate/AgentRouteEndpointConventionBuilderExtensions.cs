namespace Gateway.Proxy.Authenticate;

/// <summary>Marks minimal-API endpoints as agent routes (<see cref="AgentRouteMetadata"/>).</summary>
internal static class AgentRouteEndpointConventionBuilderExtensions
{
    /// <summary>Every request to these endpoints must be an agent's, proven by the Authenticate stage.</summary>
    public static TBuilder RequireAgentSignature<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(AgentRouteMetadata.Instance);
}
