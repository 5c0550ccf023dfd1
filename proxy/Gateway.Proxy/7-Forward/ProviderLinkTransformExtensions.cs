using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace Gateway.Proxy.Forward;

/// <summary>Adds <see cref="ProviderLinkTransform"/> to routes.</summary>
internal static class ProviderLinkTransformExtensions
{
    /// <summary>Route config: the upstream's <c>Link</c> header rewritten under the gateway's route, its other links dropped.</summary>
    public static RouteConfig WithTransformProviderLinks(this RouteConfig route) =>
        route.WithTransform(transform => transform[ProviderLinkTransformFactory.Key] = bool.TrueString);

    /// <summary>Code config.</summary>
    public static TransformBuilderContext AddProviderLinks(this TransformBuilderContext context)
    {
        context.ResponseTransforms.Add(new ProviderLinkTransform());
        return context;
    }
}
