namespace Gateway.Connectors.Envelopes;

/// <summary>
/// The request a governed action sends upstream, built from its decided arguments by
/// <see cref="UpstreamEnvelopes"/>: method, path below the destination's base, query, body and the
/// protocol headers of the connector's kind. It carries no credential; that is injected afterwards.
/// </summary>
public sealed record UpstreamEnvelope
{
    public required string Method { get; init; }

    /// <summary>The path below the destination's base URL, already escaped; empty for the base itself.</summary>
    public string RelativePath { get; init; } = string.Empty;

    /// <summary>The query without <c>?</c>, already escaped; empty for none.</summary>
    public string Query { get; init; } = string.Empty;

    /// <summary>The JSON body, or null for a bodiless request.</summary>
    public byte[]? Body { get; init; }

    /// <summary>Protocol headers of the connector's kind (<c>Accept</c>, <c>anthropic-version</c>, MCP's).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; init; } = [];

    /// <summary>MCP <c>tools/call</c>: the JSON-RPC id the reply is matched by.</summary>
    public string? JsonRpcId { get; init; }

    /// <summary>Context fetches: the most bytes of the pack the agent asked for (<c>max_bytes</c>).</summary>
    public long? ResultLimit { get; init; }
}
