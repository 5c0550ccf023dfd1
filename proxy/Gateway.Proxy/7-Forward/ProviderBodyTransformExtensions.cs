using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Transforms.Builder;
using Yarp.ReverseProxy.Transforms;

namespace Gateway.Proxy.Forward;

/// <summary>Adds <see cref="ProviderBodyTransform"/> to routes.</summary>
internal static class ProviderBodyTransformExtensions
{
    /// <summary>Route config.</summary>
    public static RouteConfig WithTransformProviderBody(this RouteConfig route) =>
        route.WithTransform(transform => transform[ProviderBodyTransformFactory.Key] = "on");

    /// <summary>Code config.</summary>
    public static TransformBuilderContext AddProviderBody(this TransformBuilderContext context)
    {
        context.ResponseTransforms.Add(new ProviderBodyTransform());
        return context;
    }
}
