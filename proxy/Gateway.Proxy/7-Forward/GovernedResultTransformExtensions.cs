using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Transforms.Builder;
using Yarp.ReverseProxy.Transforms;

namespace Gateway.Proxy.Forward;

/// <summary>Adds <see cref="GovernedResultTransform"/> to routes.</summary>
internal static class GovernedResultTransformExtensions
{
    /// <summary>Route config.</summary>
    public static RouteConfig WithTransformGovernedResult(this RouteConfig route) =>
        route.WithTransform(transform => transform[GovernedResultTransformFactory.Key] = "on");

    /// <summary>Code config.</summary>
    public static TransformBuilderContext AddGovernedResult(this TransformBuilderContext context)
    {
        context.ResponseTransforms.Add(new GovernedResultTransform());
        return context;
    }
}
