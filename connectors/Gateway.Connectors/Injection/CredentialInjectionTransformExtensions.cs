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
    /// <summary>
    /// Route config: inject the credential of <paramref name="connectorName"/> (or, with <c>*</c>, of the
    /// connector the host put on <see cref="ConnectorRequestFeature"/>).
    /// </summary>
    public static RouteConfig WithTransformCredentialInjection(this RouteConfig route, string connectorName = CredentialInjectionTransformFactory.FromFeature)
    {
        ArgumentNullException.ThrowIfNull(route);
        return route.WithTransform(transform => transform[CredentialInjectionTransformFactory.CredentialInjectionKey] = connectorName);
    }

    /// <summary>Code config: adds the transform, resolving its services from the builder's provider.</summary>
    public static TransformBuilderContext AddCredentialInjection(this TransformBuilderContext context, string? connectorName = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        var services = context.Services;
        context.RequestTransforms.Add(new CredentialInjectionTransform(
            services.GetRequiredService<CredentialResolver>(),
            connectorName,
            services.GetService<IConnectorCatalog>(),
            services.GetService<ILogger<CredentialInjectionTransform>>()));
        return context;
    }
}
