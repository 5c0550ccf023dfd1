using Gateway.Proxy.Enforce;
using Gateway.Proxy.Pipeline;
using Microsoft.AspNetCore.Http.Features;
using Yarp.ReverseProxy.Transforms;
using System.Runtime.CompilerServices;

namespace Gateway.Proxy.Forward;

/// <summary>
/// What every response transform does first when the upstream answers: forwarding's time ends
/// (<see cref="GatewayRequestFeature.MarkUpstreamAnswered"/>), the upstream's HTTP/1.x reason phrase is dropped (YARP passes one
/// that is not the status code's standard phrase on, text no redaction reads: the agent gets the standard one), the plan is
/// read, and a compressed body is decoded (<see cref="ResponseDecoding"/>) so that it can be inspected.
/// </summary>
/// <param name="Feature">The request's records, where the transform adds its <see cref="UpstreamResponse"/>.</param>
/// <param name="Plan">The Enforce stage's plan: all the transform reads of the request.</param>
/// <param name="Status">The status the upstream answered with.</param>
/// <param name="Decoded">False when the body is in an encoding the gateway cannot read (the answer cannot be passed on).</param>
internal readonly record struct UpstreamAnswer(GatewayRequestFeature Feature, ForwardPlan Plan, int Status, bool Decoded)
{
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public static async ValueTask<UpstreamAnswer> OpenAsync(ResponseTransformContext context, HttpResponseMessage proxyResponse)
    {
        var feature = context.HttpContext.GatewayRequest();
        feature.MarkUpstreamAnswered();
        if (context.HttpContext.Features.Get<IHttpResponseFeature>() is { } response)
        {
            response.ReasonPhrase = null;
        }

        var decoded = await ResponseDecoding.DecodeAsync(context.HttpContext, proxyResponse, context.CancellationToken).ConfigureAwait(false);
        return new UpstreamAnswer(feature, feature.Get<ForwardPlan>(), (int)proxyResponse.StatusCode, decoded);
    }
}
