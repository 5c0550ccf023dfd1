using System.Diagnostics;
using Gateway.Connectors.Envelopes;
using Gateway.Connectors.Kinds;
using Gateway.Connectors.Mcp;
using Gateway.Connectors.Models;
using Gateway.Connectors.Redaction;
using Gateway.Connectors.Results;
using Gateway.Connectors.Streaming;
using Gateway.Policy;
using Gateway.Proxy.Execution;
using Gateway.Proxy.Forwarding;
using Gateway.Proxy.Governance;
using Gateway.Proxy.Requests;
using Gateway.Proxy.Routing;

namespace Gateway.Proxy.Pipeline;

/// <summary>
/// One governed request as it walks the pipeline: each stage reads what the earlier ones found and adds
/// its own part (Describe: the action; Admit and Decide: the decision; Enforce: the connector and its
/// cluster; the transforms: what the upstream answered). Lives on <c>HttpContext.Features</c>.
/// </summary>
internal sealed class GovernedExchange
{
    public GovernedExchange(GatewayRouteKind route, TenantPolicy tenant, AgentIdentity identity)
    {
        Route = route;
        Tenant = tenant;
        Identity = identity;
    }

    public GatewayRouteKind Route { get; }

    public TenantPolicy Tenant { get; }

    /// <summary>Who is asking (admission may refresh it with the agent's kill-switch state).</summary>
    public AgentIdentity Identity { get; set; }

    // Describe

    /// <summary>The action policy decides.</summary>
    public ActionRequest? Request { get; set; }

    /// <summary>Provider route: the canonical target and the operation it maps to.</summary>
    public ProviderTarget? Target { get; set; }

    public ProviderOperation? Operation { get; set; }

    /// <summary>Provider route to an MCP server: the JSON-RPC request.</summary>
    public McpRequest? Mcp { get; set; }

    // Decide

    public GovernedDecision? Governed { get; set; }

    /// <summary>The degrade form in force, when the decision degrades.</summary>
    public DegradeSpec? Degrade => Governed is { Kind: DecisionKind.Degrade } governed ? governed.Decision.Degrade ?? DegradeSpec.DefaultReadOnly : null;

    // Enforce

    /// <summary>The entry forwarded to: the decided entry, or for an mcp_tool its MCP server's.</summary>
    public CatalogEntry? Upstream { get; set; }

    /// <summary>Native routes: the request sent upstream in place of the agent's envelope.</summary>
    public UpstreamEnvelope? Envelope { get; set; }

    public TokenReservation? Reservation { get; set; }

    /// <summary>Model connectors: the model the request names (read once, for telemetry and token metrics).</summary>
    public string? RequestedModel { get; set; }

    /// <summary>The body as forwarded (a model body may be rewritten by route degrade or to ask for usage).</summary>
    public ReadOnlyMemory<byte> ForwardBody { get; set; }

    public long MaxResponseBytes { get; set; } = ConnectorLimits.DefaultMaxResponseBytes;

    /// <summary>Provider route, MCP <c>tools/list</c>: the tools the agent may call (the rest are filtered out).</summary>
    public Func<string, bool>? McpToolAllowed { get; set; }

    public long StartedTimestamp { get; set; } = Stopwatch.GetTimestamp();

    // What the upstream answered (set by the response transforms)

    public ModelUsageAccumulator? Usage { get; set; }

    public RedactionCounts Redactions { get; } = new();

    /// <summary>Native routes: the result the agent receives.</summary>
    public ConnectorResult? Result { get; set; }

    /// <summary>Provider route: the transformed body stream, completed after forwarding to flush held-back bytes.</summary>
    public BodyTransformStream? ResponseStream { get; set; }

    /// <summary>The outermost response stream, counting the upstream's bytes against <see cref="MaxResponseBytes"/>.</summary>
    public ResponseSizeLimitStream? SizeLimit { get; set; }

    /// <summary>The response could not be passed on (too large, undecodable, an unreadable tools/list); nothing of it was sent.</summary>
    public InvocationRefusal? ResponseRefusal { get; set; }

    /// <summary>The status the upstream answered with.</summary>
    public int? UpstreamStatus { get; set; }
}
