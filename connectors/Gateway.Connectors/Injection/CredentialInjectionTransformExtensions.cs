using Gateway.Connectors.Credentials;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace Gateway.Connectors.Injection;

/// <summary>Adds <see cref="CredentialInjectionTransform"/> to routes, YARP style.</summary>
public static class CredentialInjectionTransformExtensions
{
    /// <summary>Route config: inject the credential of the connector the host decided on (<see cref="ConnectorRequestFeature"/>).</summary>
    public static RouteConfig WithTransformCredentialInjection(this RouteConfig route)
    {
        ArgumentNullException.ThrowIfNull(route);
        return route.WithTransform(transform => transform[CredentialInjectionTransformFactory.CredentialInjectionKey] = CredentialInjectionTransformFactory.FromFeature);
    }

    /// <summary>Code config: adds the transform, resolving its services from the builder's provider.</summary>
    public static TransformBuilderContext AddCredentialInjection(this TransformBuilderContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var services = context.Services;
        context.RequestTransforms.Add(new CredentialInjectionTransform(
            services.GetRequiredService<CredentialResolver>(),
            services.GetService<ILogger<CredentialInjectionTransform>>()));
        return context;
    }
}
