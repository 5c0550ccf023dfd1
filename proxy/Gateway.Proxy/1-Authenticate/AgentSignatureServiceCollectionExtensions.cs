namespace Gateway.Proxy.Authenticate;

/// <summary>Registers the agent signature scheme and the authorization policy every agent route requires.</summary>
internal static class AgentSignatureServiceCollectionExtensions
{
    public static IServiceCollection AddAgentSignatureAuthentication(this IServiceCollection services)
    {
        // No default scheme: the scheme runs where the endpoint's authorization asks for it (and, as the
        // only scheme, answers NoResult anywhere else; see AgentSignatureHandler.IsAgentRoute).
        services.AddAuthentication()
            .AddScheme<AgentSignatureOptions, AgentSignatureHandler>(AgentSignatureDefaults.AuthenticationScheme, displayName: null, configureOptions: null);
        services.AddAuthorizationBuilder()
            .AddPolicy(AgentSignatureDefaults.AuthorizationPolicy, static policy => policy
                .AddAuthenticationSchemes(AgentSignatureDefaults.AuthenticationScheme)
                .RequireAuthenticatedUser());
        return services;
    }
}
