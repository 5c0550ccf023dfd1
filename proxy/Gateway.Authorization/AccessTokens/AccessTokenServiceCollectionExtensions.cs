using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Gateway.Authorization.AccessTokens;

/// <summary>Registers and maps the gateway's OAuth surface: discovery documents, the token endpoint, the token verifier.</summary>
public static class AccessTokenServiceCollectionExtensions
{
    /// <summary>
    /// Adds the access-token services (options <c>Gateway:AccessTokens</c>, validated at start-up) signed with
    /// <paramref name="key"/>. The host must register an <see cref="IAccessTokenHost"/>.
    /// </summary>
    public static IServiceCollection AddGatewayAccessTokens(this IServiceCollection services, IConfiguration configuration, AccessTokenSigningKey key)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<AccessTokenOptions>().Bind(configuration.GetSection(AccessTokenOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AccessTokenOptions>, AccessTokenOptionsValidator>(
            static sp => new AccessTokenOptionsValidator(requirePublicBaseUrl: !sp.GetRequiredService<IHostEnvironment>().IsDevelopment())));
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(key);
        services.AddSingleton<AccessTokenFormat>();
        services.AddSingleton<PublicOrigin>();
        services.AddSingleton<AccessTokenUrls>();
        services.AddSingleton<AccessTokenVerifier>();
        services.AddSingleton<TokenEndpoint>();
        services.AddSingleton<Interactive.InteractiveGrants>();
        services.AddSingleton<Interactive.InteractiveRateLimit>();
        services.AddSingleton<Interactive.ClientMetadataDocuments>();
        services.AddSingleton<Interactive.RegisteredClients>();
        services.AddSingleton<Interactive.RegistrationEndpoint>();
        services.AddSingleton<Interactive.AuthorizeEndpoint>();
        services.AddSingleton<Interactive.InteractiveTokenGrant>();
        return services;
    }

    /// <summary>
    /// Maps <c>/.well-known/oauth-protected-resource[/{resource path}]</c>, <c>/.well-known/oauth-authorization-server</c>,
    /// <c>POST /oauth/token</c> and <c>GET /oauth/authorize</c> (the authorization-code grant; the host must register an
    /// <see cref="Interactive.IInteractiveHost"/>).
    /// </summary>
    public static IEndpointRouteBuilder MapGatewayAccessTokens(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGet(AccessTokenUrls.ResourceMetadataPath, static (HttpRequest request, IAccessTokenHost host, AccessTokenUrls urls) =>
            OAuthMetadataEndpoints.ProtectedResource(request, null, host, urls));
        app.MapGet(AccessTokenUrls.ResourceMetadataPath + "/{**path}", static (HttpRequest request, string path, IAccessTokenHost host, AccessTokenUrls urls) =>
            OAuthMetadataEndpoints.ProtectedResource(request, path, host, urls));
        app.MapGet(AccessTokenUrls.AuthorizationServerMetadataPath, static (HttpRequest request, AccessTokenUrls urls, Interactive.IInteractiveHost interactive) =>
            OAuthMetadataEndpoints.AuthorizationServer(request, urls, interactive.AcceptsMetadataDocuments, interactive.AcceptsDynamicRegistration));
        // A request signed with the agent protocol's headers is proven by the host when it carries them (IAccessTokenHost.AuthenticateSignedAsync).
        app.MapPost(AccessTokenUrls.TokenPath, static (HttpContext context, TokenEndpoint endpoint) => endpoint.HandleAsync(context));
        app.MapGet(AccessTokenUrls.AuthorizationPath, static (HttpContext context, Interactive.AuthorizeEndpoint endpoint) => endpoint.HandleAsync(context));
        app.MapPost(AccessTokenUrls.RegistrationPath, static (HttpContext context, Interactive.RegistrationEndpoint endpoint) => endpoint.HandleAsync(context));
        return app;
    }
}
