using Gateway.Proxy.Security;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace Gateway.Proxy.Forward;

/// <summary>Adds <see cref="UpstreamEnvelopeTransform"/> to routes.</summary>
internal static class UpstreamEnvelopeTransformExtensions
{
    /// <summary>Route config: send the decided request (the provider path as signed, or the envelope in <paramref name="form"/>).</summary>
    public static RouteConfig WithTransformUpstreamEnvelope(this RouteConfig route, UpstreamEnvelopeForm form) =>
        route.WithTransform(transform => transform[UpstreamEnvelopeTransformFactory.Key] = form.ToString());

    /// <summary>Code config: the webhook keys and clock come from the builder's services, once, when the route is built.</summary>
    public static TransformBuilderContext AddUpstreamEnvelope(this TransformBuilderContext context, UpstreamEnvelopeForm form)
    {
        var services = context.Services;
        context.RequestTransforms.Add(new UpstreamEnvelopeTransform(
            form,
            services.GetRequiredService<WebhookSigningKeys>(),
            services.GetRequiredService<TimeProvider>()));
        return context;
    }
}
