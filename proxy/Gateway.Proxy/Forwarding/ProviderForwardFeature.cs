using Gateway.Connectors.Models;
using Gateway.Connectors.Redaction;
using Gateway.Connectors.Streaming;

namespace Gateway.Proxy.Forwarding;

/// <summary>What the transformer needs for one forwarded provider request, and what it observed.</summary>
internal sealed class ProviderForwardFeature
{
    public ProviderForwardFeature(Uri destination, Func<string, bool>? mcpToolAllowed, bool observeUsage)
    {
        Destination = destination;
        McpToolAllowed = mcpToolAllowed;
        Usage = observeUsage ? new ModelUsageAccumulator() : null;
    }

    /// <summary>The exact upstream URI: the connector's upstream joined with the remaining path and the query.</summary>
    public Uri Destination { get; }

    /// <summary>For an MCP <c>tools/list</c>: which tools the agent may call (the rest are removed from the answer).</summary>
    public Func<string, bool>? McpToolAllowed { get; }

    /// <summary>Model usage seen in the response (model connectors only).</summary>
    public ModelUsageAccumulator? Usage { get; }

    public RedactionCounts Redactions { get; } = new();

    /// <summary>Set when the response body was wrapped; completed after forwarding to flush held-back bytes.</summary>
    public BodyTransformStream? ResponseStream { get; set; }
}
