using Gateway.Connectors.Results;
using Microsoft.AspNetCore.Http.Features;
using Yarp.ReverseProxy.Transforms;
using Gateway.Proxy.Enforce;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Refusals;

namespace Gateway.Proxy.Forward;

/// <summary>
/// A native governed action's response: the upstream's body is decoded, read within the connector's
/// <c>max_response_bytes</c> (a context pack is cut to the agent's <c>max_bytes</c> on a character
/// boundary instead), turned into the redacted <c>result</c> (<see cref="ConnectorResultReader"/>) and
/// left on the exchange; nothing of the upstream's response (headers included) is passed on as such. The Enforce stage
/// records the outcome and answers with the decision and the result.
/// </summary>
internal sealed class GovernedResultTransform : ResponseTransform
{
    /// <inheritdoc/>
    public override async ValueTask ApplyAsync(ResponseTransformContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.ProxyResponse is not { } proxyResponse)
        {
            return;
        }

        var httpContext = context.HttpContext;
        var exchange = httpContext.Features.GetRequiredFeature<GovernedExchange>();
        context.SuppressResponseBody = true;
        exchange.UpstreamStatus = (int)proxyResponse.StatusCode;
        if (!await ResponseDecoding.DecodeAsync(httpContext, proxyResponse, context.CancellationToken).ConfigureAwait(false))
        {
            exchange.ResponseRefusal = ResponseDecoding.Undecodable;
            return;
        }

        var isContext = exchange.Route == GatewayRouteKind.Context;
        var limit = isContext && exchange.Envelope?.ResultLimit is { } requested ? Math.Min(requested, exchange.MaxResponseBytes) : exchange.MaxResponseBytes;
        var (bytes, more) = await ResponseBodyReader.ReadUpToAsync(proxyResponse.Content, limit, context.CancellationToken).ConfigureAwait(false);
        if (more && !isContext)
        {
            exchange.ResponseRefusal = new(StatusCodes.Status502BadGateway, ProblemCodes.ResponseTooLarge, "The upstream's response exceeds the connector's limit.");
            return;
        }

        if (more)
        {
            bytes = bytes[..Utf8Boundary.LastCompleteLength(bytes)];
        }

        exchange.Result = ConnectorResultReader.Read(
            exchange.Governed!.Entry!.Kind,
            (int)proxyResponse.StatusCode,
            proxyResponse.Content.Headers.ContentType?.ToString(),
            bytes,
            exchange.Envelope?.JsonRpcId,
            truncated: more,
            exchange.Redactions);
    }
}
