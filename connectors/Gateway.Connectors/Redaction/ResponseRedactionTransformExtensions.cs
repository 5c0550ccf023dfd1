using Microsoft.Net.Http.Headers;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace Gateway.Connectors.Redaction;

/// <summary>Adds <see cref="ResponseRedactionTransform"/> to routes, YARP style.</summary>
public static class ResponseRedactionTransformExtensions
{
    /// <summary>Route config: redact responses when the request's <see cref="ConnectorRequestFeature"/> asks for it.</summary>
    public static RouteConfig WithTransformResponseRedaction(this RouteConfig route)
    {
        ArgumentNullException.ThrowIfNull(route);
        return route.WithTransform(transform => transform[ResponseRedactionTransformFactory.ResponseRedactionKey] = "true");
    }

    /// <summary>Code config: strips <c>Accept-Encoding</c> from requests to be redacted and adds the response transform.</summary>
    public static TransformBuilderContext AddResponseRedaction(this TransformBuilderContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.AddRequestTransform(transform =>
        {
            if (transform.HttpContext.Features.Get<ConnectorRequestFeature>() is { ShouldRedact: true })
            {
                RequestTransform.RemoveHeader(transform, HeaderNames.AcceptEncoding);
                transform.ProxyRequest.Headers.Remove(HeaderNames.AcceptEncoding);
            }

            return default;
        });
        context.ResponseTransforms.Add(new ResponseRedactionTransform());
        return context;
    }
}
