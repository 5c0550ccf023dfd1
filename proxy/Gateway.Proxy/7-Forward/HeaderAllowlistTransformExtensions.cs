using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace Gateway.Proxy.Forward;

/// <summary>Adds <see cref="HeaderAllowlistTransform"/> to routes.</summary>
internal static class HeaderAllowlistTransformExtensions
{
    /// <summary>Route config: of the agent's headers, only <paramref name="allowed"/> go upstream (<c>Name*</c> allows a prefix).</summary>
    public static RouteConfig WithTransformRequestHeadersAllowed(this RouteConfig route, IEnumerable<string> allowed) =>
        route.WithTransform(transform => transform[HeaderAllowlistTransformFactory.Key] = string.Join(HeaderAllowlistTransformFactory.Separator, allowed));

    /// <summary>Code config: YARP copies none of the request's headers; the transform copies the allowed ones itself.</summary>
    public static TransformBuilderContext AddRequestHeadersAllowed(this TransformBuilderContext context, IEnumerable<string> allowed)
    {
        context.CopyRequestHeaders = false;
        context.RequestTransforms.Add(new HeaderAllowlistTransform(allowed));
        return context;
    }
}
