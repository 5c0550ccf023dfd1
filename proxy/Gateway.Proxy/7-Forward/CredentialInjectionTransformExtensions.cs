using Gateway.Connectors.Credentials;
using Gateway.Policy;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace Gateway.Proxy.Forward;

/// <summary>Adds <see cref="CredentialInjectionTransform"/> to routes.</summary>
internal static class CredentialInjectionTransformExtensions
{
    /// <summary>Route config: send <paramref name="credential"/> (a resolver reference, or none) under <paramref name="auth"/>.</summary>
    public static RouteConfig WithTransformCredentialInjection(this RouteConfig route, ConnectorAuth auth, string? credential) =>
        route.WithTransform(transform =>
        {
            transform[CredentialInjectionTransformFactory.Key] = auth.HeaderName;
            transform[CredentialInjectionTransformFactory.SchemeKey] = (auth.IsBearer ? CredentialScheme.Bearer : CredentialScheme.Raw).ToString();
            if (credential is not null)
            {
                transform[CredentialInjectionTransformFactory.CredentialKey] = credential;
            }
        });

    /// <summary>Code config: the resolver and logger come from the builder's services, once, when the route is built.</summary>
    public static TransformBuilderContext AddCredentialInjection(this TransformBuilderContext context, ConnectorAuth auth, string? credential)
    {
        var services = context.Services;
        context.RequestTransforms.Add(new CredentialInjectionTransform(auth, credential,
            services.GetRequiredService<CredentialResolver>(),
            services.GetRequiredService<ILogger<CredentialInjectionTransform>>()));
        return context;
    }
}
