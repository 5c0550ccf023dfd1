using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Transforms.Builder;
using Yarp.ReverseProxy.Transforms;

namespace Gateway.Proxy.Forward;

/// <summary>Adds <see cref="HeaderAllowlistTransform"/> to routes.</summary>
internal static class HeaderAllowlistTransformExtensions
{
    /// <summary>Route config: only allowlisted agent headers go upstream.</summary>
    public static RouteConfig WithTransformHeaderAllowlist(this RouteConfig route) =>
        route.WithTransform(transform => transform[HeaderAllowlistTransformFactory.Key] = "on");

    /// <summary>Code config.</summary>
    public static TransformBuilderContext AddHeaderAllowlist(this TransformBuilderContext context)
    {
        context.RequestTransforms.Add(new HeaderAllowlistTransform());
        return context;
    }
}
