using Gateway.Connectors.Mcp;
using Gateway.Connectors.Results;
using Gateway.Policy;
using Gateway.Oversight.Http;
using Gateway.Proxy.Enforce;
using Gateway.Proxy.Mcp;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Refusals;
using Gateway.Store;
using Yarp.ReverseProxy.Transforms;

namespace Gateway.Proxy.Forward;

/// <summary>
/// A native governed action's response: the upstream's body is decoded, read within the connector's
/// <c>max_response_bytes</c> (a context pack is cut to the agent's <c>max_bytes</c> on a character
/// boundary instead) and turned into the redacted <c>result</c> (<see cref="ConnectorResultReader"/>),
/// added as the <see cref="UpstreamResponse"/>; nothing of the upstream's response (headers included)
/// is passed on as such. The Respond stage records the outcome and answers with the decision and the result.
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
        var feature = httpContext.GatewayRequest();
        feature.MarkUpstreamAnswered();
        var plan = feature.Get<ForwardPlan>();
        context.SuppressResponseBody = true;
        var status = (int)proxyResponse.StatusCode;
        if (!await ResponseDecoding.DecodeAsync(httpContext, proxyResponse, context.CancellationToken).ConfigureAwait(false))
        {
            feature.Add(new UpstreamResponse(status) { Refusal = ResponseDecoding.Undecodable });
            return;
        }

        // A context pack, on the context route or read as a resource on /mcp, is cut to the agent's max_bytes.
        var isContext = plan.Entry.Kind == ConnectorKind.Context;
        var limit = isContext && plan.Envelope?.ResultLimit is { } requested ? Math.Min(requested, plan.MaxResponseBytes) : plan.MaxResponseBytes;
        byte[] bytes;
        bool more;
        if (plan.Route == GatewayRouteKind.McpCall && plan.Entry.Kind is ConnectorKind.McpTool or ConnectorKind.Mcp
            && proxyResponse.Content.Headers.ContentType?.MediaType == "text/event-stream")
        {
            var requests = httpContext.RequestServices.GetRequiredService<McpServerRequests>();
            var request = proxyResponse.RequestMessage;
            var origin = new McpCallOrigin(plan.Identity.Tenant, plan.Identity.Agent, plan.Upstream.Name, (request?.RequestUri ?? plan.Upstream.Upstream!).ToString(),
                request?.Headers.TryGetValues(McpSessionHandler.SessionHeader, out var sessions) == true ? sessions.FirstOrDefault() : null);
            try
            {
                (bytes, more) = await McpProgressRelay.ReadAsync(httpContext, proxyResponse.Content, limit, plan.Redactions, requests, origin, context.CancellationToken).ConfigureAwait(false);
            }
            catch (StateStoreUnavailableException)
            {
                // Where the client's answer goes could not be kept: the server would wait for an answer that cannot reach it.
                feature.Add(new UpstreamResponse(status)
                {
                    Refusal = new Refusal(StatusCodes.Status503ServiceUnavailable, ProblemCodes.McpServerRequestNotRelayed,
                        "The MCP server asked the client for input mid-call, and the gateway's store could not keep where the answer goes; the call was ended."),
                });
                return;
            }
        }
        else
        {
            (bytes, more) = await ResponseBodyReader.ReadUpToAsync(proxyResponse.Content, limit, context.CancellationToken).ConfigureAwait(false);
        }
        if (more && !isContext)
        {
            feature.Add(new UpstreamResponse(status)
            {
                Refusal = new Refusal(StatusCodes.Status502BadGateway, ProblemCodes.ResponseTooLarge, "The upstream's response exceeds the connector's limit."),
            });
            return;
        }

        if (more)
        {
            bytes = bytes[..Utf8Boundary.LastCompleteLength(bytes)];
        }

        feature.Add(new UpstreamResponse(status)
        {
            Result = ConnectorResultReader.Read(
                plan.Entry.Kind,
                status,
                proxyResponse.Content.Headers.ContentType?.ToString(),
                bytes,
                plan.Envelope?.JsonRpcId,
                truncated: more,
                plan.Redactions),
        });
    }
}
