using Gateway.Connectors.Models;
using Gateway.Connectors.Redaction;
using Gateway.Connectors.Streaming;

namespace Gateway.Proxy.Forwarding;

/// <summary>What the transformer needs for one forwarded provider request, and what it observed.</summary>
internal sealed class ProviderForwardFeature
{
    public ProviderForwardFeature(Uri destination, long maxResponseBytes, Func<string, bool>? mcpToolAllowed, bool observeUsage)
    {
        Destination = destination;
        MaxResponseBytes = maxResponseBytes;
        McpToolAllowed = mcpToolAllowed;
        Usage = observeUsage ? new ModelUsageAccumulator() : null;
    }

    /// <summary>The exact upstream URI: the connector's upstream joined with the remaining path and the query.</summary>
    public Uri Destination { get; }

    /// <summary>The connector's <c>max_response_bytes</c>.</summary>
    public long MaxResponseBytes { get; }

    /// <summary>For an MCP <c>tools/list</c>: which tools the agent may call (the rest are removed from the answer).</summary>
    public Func<string, bool>? McpToolAllowed { get; }

    /// <summary>Model usage seen in the response (model connectors only).</summary>
    public ModelUsageAccumulator? Usage { get; }

    public RedactionCounts Redactions { get; } = new();

    /// <summary>Set when the response body was wrapped; completed after forwarding to flush held-back bytes.</summary>
    public BodyTransformStream? ResponseStream { get; set; }

    /// <summary>The outermost response stream, counting the upstream's bytes against <see cref="MaxResponseBytes"/>.</summary>
    public ResponseSizeLimitStream? SizeLimit { get; set; }

    /// <summary>The upstream declared a body larger than <see cref="MaxResponseBytes"/>; nothing of it was sent.</summary>
    public bool ResponseTooLarge { get; set; }

    /// <summary>The upstream answered in an encoding the gateway cannot decode; nothing of it was sent.</summary>
    public bool UndecodableEncoding { get; set; }

    /// <summary>The upstream's answer to <c>tools/list</c> could not be read as JSON-RPC, so it could not be filtered; nothing of it was sent.</summary>
    public bool UnreadableToolsList { get; set; }
}
