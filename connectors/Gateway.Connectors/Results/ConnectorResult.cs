using Gateway.Connectors.Models;

namespace Gateway.Connectors.Results;

/// <summary>What a governed action's upstream answered, as the agent receives it in <c>result</c>.</summary>
public sealed record ConnectorResult
{
    /// <summary>The upstream's status (an MCP JSON-RPC error is reported as 502).</summary>
    public required int StatusCode { get; init; }

    /// <summary>The result as JSON (redacted): the upstream's JSON, or its text as a JSON string.</summary>
    public required ReadOnlyMemory<byte> Json { get; init; }

    /// <summary>Model usage reported in the answer (model connectors).</summary>
    public ModelUsage? Usage { get; init; }

    /// <summary>True when a context pack was cut to the requested size.</summary>
    public bool Truncated { get; init; }

    /// <summary>True when a model's streamed answer ended before its terminal event: <see cref="Usage"/> is then only part of what the call used.</summary>
    public bool UsageCut { get; init; }
}
