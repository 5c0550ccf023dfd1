using System.Net.Http.Headers;
using Gateway.Connectors;
using Gateway.Connectors.Mcp;
using Gateway.Connectors.Signing;
using Microsoft.AspNetCore.Http.Features;
using Yarp.ReverseProxy.Transforms;
using Gateway.Proxy.Enforce;
using Gateway.Proxy.Pipeline;

namespace Gateway.Proxy.Forward;

/// <summary>
/// Sets what is sent upstream on the chosen destination. The provider route sends the agent's own
/// request on the path and query exactly as signed (already proven canonical), below the destination's
/// base path. A native governed action sends its connector kind's envelope instead
/// (<see cref="Gateway.Connectors.Envelopes.UpstreamEnvelopes"/>, built by the Enforce stage): method,
/// path, query, JSON body and protocol headers; a webhook is then signed gateway→upstream, and an MCP
/// <c>tools/call</c> is marked for its session (<see cref="McpSessionHandler"/>).
/// </summary>
internal sealed class UpstreamEnvelopeTransform : RequestTransform
{
    private readonly ReadOnlyMemory<byte> _serviceKey;
    private readonly TimeProvider _time;

    public UpstreamEnvelopeTransform(ReadOnlyMemory<byte> serviceKey, TimeProvider time)
    {
        _serviceKey = serviceKey;
        _time = time;
    }

    /// <inheritdoc/>
    public override ValueTask ApplyAsync(RequestTransformContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var exchange = context.HttpContext.Features.GetRequiredFeature<GovernedExchange>();
        var prefix = context.DestinationPrefix.TrimEnd('/');
        if (exchange.Route == GatewayRouteKind.Provider)
        {
            var target = exchange.Target!;
            var rest = target.RawPath.Length == 0 ? string.Empty : "/" + target.RawPath;
            context.ProxyRequest.RequestUri = new Uri(prefix + rest + target.RawQuery, new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true });
            return ValueTask.CompletedTask;
        }

        var envelope = exchange.Envelope!;
        var request = context.ProxyRequest;
        request.Method = new HttpMethod(envelope.Method);
        var path = envelope.RelativePath.Length == 0 ? string.Empty : "/" + envelope.RelativePath;
        request.RequestUri = new Uri(prefix + path + (envelope.Query.Length == 0 ? string.Empty : "?" + envelope.Query));
        // YARP streams the outgoing body from HttpContext.Request.Body: the envelope is put there.
        var body = envelope.Body ?? [];
        context.HttpContext.Request.Body = new MemoryStream(body, writable: false);
        if (request.Content is { } content)
        {
            content.Headers.ContentLength = body.Length;
            content.Headers.ContentType = envelope.Body is null ? null : new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        }
        else if (envelope.Body is not null)
        {
            throw new InvalidOperationException("A governed action arrived without a body, so its envelope cannot be sent.");
        }

        foreach (var header in envelope.Headers)
        {
            request.Headers.Remove(header.Key);
            request.Headers.TryAddWithoutValidation(header.Key, header.Value);
        }

        request.Headers.TryAddWithoutValidation(GatewayHeaders.AgentId, exchange.Identity.Agent);
        if (envelope.JsonRpcId is not null && exchange.Upstream is { } server)
        {
            request.Options.Set(McpSession.OptionKey, new McpSession(exchange.Tenant.Slug, server.Name, body));
        }

        if (envelope.SignedByGateway)
        {
            if (_serviceKey.IsEmpty)
            {
                throw new InvalidOperationException("Webhook connectors need the gateway service key; none is configured.");
            }

            new RequestSigner(_serviceKey.Span, exchange.Tenant.Slug, exchange.Identity.Workspace, SignatureHeaders.GatewayAgent, _time)
                .Sign(request, envelope.Body ?? []);
        }

        return ValueTask.CompletedTask;
    }
}
