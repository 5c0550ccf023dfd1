using Gateway.Proxy.Security;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Transforms.Builder;
using Yarp.ReverseProxy.Transforms;

namespace Gateway.Proxy.Forward;

/// <summary>Adds <see cref="UpstreamEnvelopeTransform"/> to routes.</summary>
internal static class UpstreamEnvelopeTransformExtensions
{
    /// <summary>Route config: send the decided request (the provider path as signed, or the connector's envelope).</summary>
    public static RouteConfig WithTransformUpstreamEnvelope(this RouteConfig route) =>
        route.WithTransform(transform => transform[UpstreamEnvelopeTransformFactory.Key] = "on");

    /// <summary>Code config.</summary>
    public static TransformBuilderContext AddUpstreamEnvelope(this TransformBuilderContext context)
    {
        var services = context.Services;
        context.RequestTransforms.Add(new UpstreamEnvelopeTransform(
            services.GetRequiredService<GatewayKeys>().ServiceKey,
            services.GetRequiredService<TimeProvider>()));
        return context;
    }
}
