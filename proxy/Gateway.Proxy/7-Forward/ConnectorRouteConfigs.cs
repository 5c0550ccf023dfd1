using Gateway.Connectors.Credentials;
using Gateway.Connectors.Kinds;
using Gateway.Policy;
using Gateway.Proxy.Routing;
using Microsoft.Net.Http.Headers;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Transforms;

namespace Gateway.Proxy.Forward;

/// <summary>
/// The connector routes (<see cref="ConnectorRoutes"/>) of a policy set, built from its catalog: two per connector
/// cluster, each carrying the transforms the request is sent with, configured by the connector's values: the agent
/// headers allowed, its credential (header, scheme, reference), what its envelope adds, and how its answer is read (the
/// result shape, or how a streamed value is redacted). The host (<c>Hosting/CatalogProxyConfigProvider.cs</c>) has
/// each require the agent's signature.
/// </summary>
internal static class ConnectorRouteConfigs
{
    /// <summary>
    /// The agent's headers that go upstream: content negotiation, conditional, tracing, the providers' own protocol
    /// headers, and (by prefix) the OpenAI SDKs' <c>X-Stainless-*</c> metadata and the tool arguments MCP 2026-07-28
    /// mirrors as <c>Mcp-Param-*</c> (which the MCP server checks against the body). No credential header is on it, and no
    /// <c>Range</c> or <c>If-Range</c>: a slice of an answer could cut a value that redaction would have matched whole.
    /// </summary>
    public static readonly IReadOnlyList<string> AgentHeadersAllowed =
    [
        "Accept", "Accept-Language", "Content-Type", "Content-Language", "Content-Length", "User-Agent",
        "If-Match", "If-None-Match", "If-Modified-Since", "If-Unmodified-Since", "Cache-Control",
        "Idempotency-Key", "traceparent", "tracestate", "baggage",
        "OpenAI-Beta", "anthropic-version", "anthropic-beta",
        "Mcp-Session-Id", "MCP-Protocol-Version", "Last-Event-ID", "Mcp-Method", "Mcp-Name",
        "X-Stainless-*", "Mcp-Param-*",
    ];

    /// <summary>
    /// <see cref="AgentHeadersAllowed"/> without the headers MCP mirrors from a JSON-RPC body (<c>Mcp-Method</c>, <c>Mcp-Name</c>,
    /// <c>Mcp-Param-*</c>): where the gateway sends its own envelope (the native route) they would describe the agent's request,
    /// not the call decided and sent, and no upstream but an MCP server's passthrough route reads them.
    /// </summary>
    public static readonly IReadOnlyList<string> AgentHeadersAllowedWithoutMcpMirrors =
        [.. AgentHeadersAllowed.Where(static name => name is not ("Mcp-Method" or "Mcp-Name" or "Mcp-Param-*"))];

    /// <summary>The routes of every connector cluster of a policy set.</summary>
    public static IReadOnlyList<RouteConfig> Build(PolicySet? set)
    {
        var routes = new List<RouteConfig>();
        if (set is null)
        {
            return routes;
        }

        foreach (var tenant in set.Tenants.Values)
        {
            foreach (var entry in tenant.Catalog)
            {
                if (entry.Type().HasOwnUpstream && entry.Upstream is not null)
                {
                    var clusterId = ConnectorClusters.IdOf(tenant.Slug, entry);
                    routes.Add(Provider(clusterId, entry));
                    routes.Add(Native(clusterId, entry));
                }
            }
        }

        return routes;
    }

    /// <summary>
    /// The provider route: the agent's request as signed, its answer streamed back with the upstream's headers but its
    /// cookies (a session the upstream opens is opened for the gateway's credential, not the agent's to hold) and its
    /// <c>Location</c>, <c>Content-Location</c>, <c>Refresh</c> and <c>Content-Base</c> (the upstream's own URLs, which the
    /// agent never learns; a 3xx that has a <c>Location</c> is refused, <see cref="ProviderBodyTransform"/>); its <c>Link</c>
    /// keeps only the links under the connector's base URL, rewritten under the gateway's route (<see cref="ProviderLinkTransform"/>). An MCP
    /// server's session id is the agent's to hold only bound to it (<see cref="McpSessionTransformExtensions"/>): the
    /// server sees the connector's credential alone, so it cannot tell one agent's session from another's. Last, the answer's
    /// headers lose what speaks for the gateway's origin or names the upstream, its caching becomes private, and it is
    /// marked nosniff and sandboxed (<see cref="ProviderAnswerHeadersTransform"/>).
    /// </summary>
    public static RouteConfig Provider(string clusterId, CatalogEntry entry)
    {
        var mcp = entry.Type().IsMcpServer;
        var route = Sending(ConnectorRoutes.IdOf(clusterId, passesBodyThrough: true), clusterId, entry, mcp ? AgentHeadersAllowed : AgentHeadersAllowedWithoutMcpMirrors)
            .WithTransformResponseHeaderRemove(HeaderNames.SetCookie, ResponseCondition.Always)
            .WithTransformResponseHeaderRemove("Set-Cookie2", ResponseCondition.Always)
            .WithTransformResponseHeaderRemove(HeaderNames.Location, ResponseCondition.Always)
            .WithTransformResponseHeaderRemove(HeaderNames.ContentLocation, ResponseCondition.Always)
            .WithTransformResponseHeaderRemove("Refresh", ResponseCondition.Always)
            .WithTransformResponseHeaderRemove("Content-Base", ResponseCondition.Always)
            .WithTransformProviderLinks();
        return (mcp ? route.WithTransformMcpSessionBinding() : route)
            .WithTransformProviderBody(mcp ? SplitValueRedaction.PerEvent : SplitValueRedaction.HoldBack)
            .WithTransformProviderAnswerHeaders();
    }

    /// <summary>
    /// The native route: the connector's envelope sent, its answer read whole into a result. The agent's MCP mirrored headers
    /// are not sent beside it: the gateway's own JSON-RPC call is the one decided.
    /// </summary>
    public static RouteConfig Native(string clusterId, CatalogEntry entry) =>
        Sending(ConnectorRoutes.IdOf(clusterId, passesBodyThrough: false), clusterId, entry, AgentHeadersAllowedWithoutMcpMirrors)
            .WithTransformCopyResponseHeaders(copy: false)
            .WithTransformGovernedResult(entry.Kind);

    private static RouteConfig Sending(string id, string clusterId, CatalogEntry entry, IReadOnlyList<string> agentHeadersAllowed)
    {
        var type = entry.Type();
        var envelope = type.SignsEnvelopes ? UpstreamEnvelopeForm.GatewaySigned
            : type.IsMcpServer ? UpstreamEnvelopeForm.McpSession
            : UpstreamEnvelopeForm.Plain;
        return new RouteConfig
        {
            RouteId = id,
            ClusterId = clusterId,

            Match = new RouteMatch { Path = ConnectorRoutes.UnmatchedPath },
            Metadata = new Dictionary<string, string> { [ConnectorRoutes.MetadataKey] = clusterId },
            Transforms = [new Dictionary<string, string> { ["X-Forwarded"] = "Off" }],
        }
            .WithTransformRequestHeadersAllowed(agentHeadersAllowed)

            // Trailers come after the body its redaction read: none are passed on (an echo of the credential among them
            // would reach the agent as the upstream wrote it).
            .WithTransformCopyResponseTrailers(copy: false)
            .WithTransformCredentialInjection(entry.Auth, ConnectorCredentials.ReferenceOf(entry))
            .WithTransformUpstreamEnvelope(envelope);
    }
}
