using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace Gateway.Proxy.Forward;

/// <summary>Adds <see cref="ProviderBodyTransform"/> to routes.</summary>
internal static class ProviderBodyTransformExtensions
{
    /// <summary>Route config: stream the answer back filtered, tapped, redacted and cut, split values redacted as <paramref name="splitValues"/> says.</summary>
    public static RouteConfig WithTransformProviderBody(this RouteConfig route, SplitValueRedaction splitValues) =>
        route.WithTransform(transform => transform[ProviderBodyTransformFactory.Key] = splitValues.ToString());

    /// <summary>Code config.</summary>
    public static TransformBuilderContext AddProviderBody(this TransformBuilderContext context, SplitValueRedaction splitValues)
    {
        context.ResponseTransforms.Add(new ProviderBodyTransform(splitValues));
        return context;
    }
}
