using Gateway.Authorization.AccessTokens;
using Gateway.Proxy.Security;

namespace Gateway.Proxy.Authenticate;

/// <summary>Registers the OAuth access tokens for clients that cannot sign, over this gateway's agents and keys.</summary>
internal static class AccessTokenServiceCollectionExtensions
{
    public static IServiceCollection AddAgentAccessTokens(this IServiceCollection services, IConfiguration configuration, GatewayKeys keys)
    {
        services.AddGatewayAccessTokens(configuration, AccessTokenSigningKey.DeriveFrom(keys.DataKeys.Active.Key));
        services.AddSingleton<IAccessTokenHost, GatewayAccessTokenHost>();
        return services;
    }
}
