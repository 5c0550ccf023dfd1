using System.Text.Json.Nodes;
using Gateway.Connectors.Credentials;
using Gateway.Connectors.Envelopes;
using Gateway.Connectors.Models;
using Gateway.Connectors.Redaction;
using Gateway.Policy;
using Gateway.Proxy.Authenticate;
using Gateway.Proxy.Decide;
using Gateway.Proxy.Describe;
using Gateway.Proxy.A2a;

namespace Gateway.Proxy.Enforce;

/// <summary>
/// The Enforce stage's record: everything the forward stage and YARP's transforms need to send the
/// decided request upstream, and nothing else. The plan itself is immutable: the transforms are functions of it and their
/// route values and never replace a member. It carries four mutable sinks, written while the request is in flight and read
/// by Respond once it is answered: <see cref="Usage"/> (the usage a model's answer reports) and <see cref="Redactions"/>
/// (counts by kind), counted into by the response transforms and relays as the answer streams; <see cref="McpToolDrifts"/>,
/// noted by <see cref="McpToolAllowed"/> as a <c>tools/list</c> answer is filtered; and <see cref="A2aTasks"/> (its set of
/// tasks recorded), written by the A2A stream relay and by Respond. What a relay learns is a fact it leaves here
/// or on the <c>UpstreamResponse</c> for Record, Enforce and Respond to act on, with one exception, stated here only: a fact
/// that must be durable before the client sees the streamed event that names it is written by the relay, before that
/// event is passed on. There are two: an A2A task a remote agent's stream names is the caller's (<see cref="A2aTasks"/>),
/// so that the task can be read as soon as it is seen; and where the answer to an MCP server's request goes, held by
/// <c>McpServerRequests.HoldAsync</c> as <c>7-Forward/McpProgressRelay.cs</c> relays the request, so that the client's answer can be routed.
/// </summary>
internal sealed record ForwardPlan
{
    public required TenantPolicy Tenant { get; init; }

    /// <summary>The caller as admitted.</summary>
    public required AgentIdentity Identity { get; init; }

    /// <summary>The decided catalog entry.</summary>
    public required CatalogEntry Entry { get; init; }

    /// <summary>The entry forwarded to: the decided entry, or for an mcp_tool its MCP server's.</summary>
    public required CatalogEntry Upstream { get; init; }

    /// <summary>The signed decision token, sent upstream as <c>X-Gamut-Decision-Token</c>.</summary>
    public string? DecisionToken { get; init; }

    /// <summary>The degrade form the decision imposes, when it degrades (dry_run is told to the upstream).</summary>
    public DegradeMode? Degrade { get; init; }

    /// <summary>A read of a workspace store: which of its pack's items the reader may receive (null for any other request).</summary>
    public WorkspaceItemClearance? Clearance { get; init; }

    /// <summary>The YARP cluster the request was assigned (<c>&lt;tenant&gt;/&lt;connector&gt;</c>).</summary>
    public required string ClusterId { get; init; }

    /// <summary>A writeback: the upstream's failure is the write's (nothing was written), answered as such.</summary>
    public bool WritesItem { get; init; }

    /// <summary>A call from an MCP client (<see cref="DescribedAction.CallerSpeaksMcp"/>): what its server sends mid-call (progress, requests for input) is relayed to it.</summary>
    public bool RelaysToMcpClient { get; init; }

    /// <summary>An A2A call: the caller's tasks on the remote agent, recorded as answers name them.</summary>
    public A2aCallerTasks? A2aTasks { get; init; }

    /// <summary>Native routes: the request sent upstream in place of the agent's envelope.</summary>
    public UpstreamEnvelope? Envelope { get; init; }

    /// <summary>Provider route: the canonical target, sent below the destination's base path exactly as signed.</summary>
    public ProviderTarget? Target { get; init; }

    /// <summary>The body as forwarded (an envelope's; a model body may be rewritten by route degrade or to ask for usage).</summary>
    public ReadOnlyMemory<byte> Body { get; init; }

    /// <summary>The connector's <c>max_response_bytes</c>.</summary>
    public required long MaxResponseBytes { get; init; }

    /// <summary>Model connectors: the model the request names (for telemetry and token metrics).</summary>
    public string? RequestedModel { get; init; }

    /// <summary>Provider route, MCP <c>tools/list</c>: the tools the agent may call, by name and definition as served (the rest, and a pinned tool that drifted, are filtered out).</summary>
    public Func<string, JsonObject, bool>? McpToolAllowed { get; init; }

    /// <summary>Provider route, MCP server: the pinned tools <see cref="McpToolAllowed"/> hid because their definition drifted.</summary>
    public McpToolDriftSightings? McpToolDrifts { get; init; }

    /// <summary>Provider route to a model connector: the usage the response reports, counted as it streams.</summary>
    public ModelUsageAccumulator? Usage { get; init; }

    /// <summary>For a connector that acts for a person: that person's credential, sent in place of the connector's own.</summary>
    public SecretValue? PersonCredential { get; init; }

    /// <summary>Counts of values redacted, by kind: from the response, and from a writeback's content under a redact degrade.</summary>
    public RedactionCounts Redactions { get; init; } = new();

    /// <summary>When forwarding started (<see cref="System.Diagnostics.Stopwatch"/> ticks), for the outcome's latency.</summary>
    public required long StartedTimestamp { get; init; }
}
