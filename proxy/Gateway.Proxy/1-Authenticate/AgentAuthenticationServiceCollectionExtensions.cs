namespace Gateway.Proxy.Authenticate;

/// <summary>Registers the Authenticate stage (<see cref="AgentAuthenticator"/>); the host runs it on every agent route.</summary>
internal static class AgentAuthenticationServiceCollectionExtensions
{
    public static IServiceCollection AddAgentAuthentication(this IServiceCollection services)
    {
        services.AddSingleton<AgentAuthenticator>();
        return services;
    }
}
