namespace Gateway.Proxy.Forward;

/// <summary>What <see cref="UpstreamEnvelopeTransform"/> adds to a governed action's envelope, by the route's connector's kind.</summary>
internal enum UpstreamEnvelopeForm
{
    /// <summary>The envelope as built.</summary>
    Plain,

    /// <summary>Signed gateway→upstream with the gateway's service key (a webhook).</summary>
    GatewaySigned,

    /// <summary>A JSON-RPC call marked for its MCP session (an MCP server).</summary>
    McpSession,
}
