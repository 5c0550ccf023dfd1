using System.Net.Http.Headers;
using Gateway.Connectors.Mcp;
using Gateway.Connectors.Signing;
using Gateway.Connectors;
using Gateway.Proxy.Enforce;
using Gateway.Proxy.Mcp;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Security;
using Yarp.ReverseProxy.Transforms;

namespace Gateway.Proxy.Forward;

/// <summary>
/// Sets what is sent upstream on the chosen destination. The provider route sends the agent's own
/// request on the path and query exactly as signed (already proven canonical), below the destination's
/// base path. A native governed action sends its envelope instead (<see cref="ForwardPlan.Envelope"/>,
/// built by the Enforce stage, which also set its body): method, path, query, JSON body and protocol
/// headers. The route's connector decides the rest (<see cref="UpstreamEnvelopeForm"/>, the route's value):
/// a webhook's envelope is signed gateway→upstream with its tenant's webhook key (<see cref="WebhookSigningKeys"/>),
/// an MCP server's JSON-RPC call is marked for its session (<see cref="McpSessionHandler"/>), with why it was ended early,
/// when it is a call on <c>/mcp</c> (<see cref="McpCallCancellation"/>, for <see cref="McpCancelledNotifier"/>).
/// </summary>
internal sealed class UpstreamEnvelopeTransform : RequestTransform
{
    private readonly WebhookSigningKeys _webhookKeys;
    private readonly TimeProvider _time;

    public UpstreamEnvelopeTransform(UpstreamEnvelopeForm form, WebhookSigningKeys webhookKeys, TimeProvider time)
    {
        Form = form;
        _webhookKeys = webhookKeys;
        _time = time;
    }

    /// <summary>What is added to the envelope.</summary>
    internal UpstreamEnvelopeForm Form { get; }

    /// <inheritdoc/>
    public override ValueTask ApplyAsync(RequestTransformContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var feature = context.HttpContext.GatewayRequest();
        var plan = feature.Get<ForwardPlan>();
        var prefix = context.DestinationPrefix.TrimEnd('/');
        if (plan.Target is { } target)
        {
            context.ProxyRequest.RequestUri = new Uri(
                string.Concat(prefix, target.RawPath.Length == 0 ? string.Empty : "/", target.RawPath, target.RawQuery),
                new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true });
            return ValueTask.CompletedTask;
        }

        var envelope = plan.Envelope ?? throw new InvalidOperationException("A native route's plan carries no envelope.");
        var request = context.ProxyRequest;
        request.Method = MethodOf(envelope.Method);
        request.RequestUri = new Uri(string.Concat(
            prefix, envelope.RelativePath.Length == 0 ? string.Empty : "/", envelope.RelativePath, envelope.Query.Length == 0 ? string.Empty : "?", envelope.Query));
        // The Enforce stage set the envelope's body as the request body, which YARP streams from.
        var body = envelope.Body ?? [];
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

        request.Headers.TryAddWithoutValidation(GatewayHeaders.AgentId, plan.Identity.Agent);
        if (Form == UpstreamEnvelopeForm.McpSession && envelope.JsonRpcId is not null)
        {
            // A call with a person's own credential goes on that person's session, never on the connector's or another's.
            var person = plan.PersonCredential is not null && plan.Identity.Person is { } acting ? acting.Issuer + "\n" + acting.Subject : null;
            request.Options.Set(McpSession.OptionKey, new McpSession(plan.Tenant.Slug, plan.Upstream, body) { Person = person });
            if (feature.Find<McpCallCancellation>() is { } cancellation)
            {
                request.Options.Set(McpCallCancellation.OptionKey, cancellation);
            }
        }

        if (Form == UpstreamEnvelopeForm.GatewaySigned)
        {
            var key = _webhookKeys.For(plan.Tenant.Slug);
            if (key.IsEmpty)
            {
                throw new InvalidOperationException("Webhook connectors need the gateway service key; none is configured.");
            }

            new RequestSigner(key.Span, plan.Tenant.Slug, plan.Identity.Workspace, SignatureHeaders.GatewayAgent, _time)
                .Sign(request, envelope.Body ?? []);
        }

        return ValueTask.CompletedTask;
    }

    // The shared instance of a standard method when the envelope spells it as that instance does (no new one per
    // request); a new one, spelled as given, otherwise.
    private static HttpMethod MethodOf(string method) =>
        HttpMethod.Parse(method) is var known && string.Equals(known.Method, method, StringComparison.Ordinal) ? known : new HttpMethod(method);
}
