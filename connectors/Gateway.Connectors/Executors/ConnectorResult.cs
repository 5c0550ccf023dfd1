using System.Text.Json;
using Gateway.Connectors.Models;
using Gateway.Connectors.Redaction;

namespace Gateway.Connectors.Executors;

/// <summary>What a connector returned, already redacted when the call required it.</summary>
public sealed record ConnectorResult
{
    /// <summary>The upstream's HTTP status (for mcp_tool: 200, or 502 for a JSON-RPC error).</summary>
    public required int StatusCode { get; init; }

    /// <summary>The upstream's media type.</summary>
    public string? ContentType { get; init; }

    /// <summary>The body when it is JSON.</summary>
    public JsonElement? Json { get; init; }

    /// <summary>The body when it is not JSON (text, SSE, truncated context).</summary>
    public string? Text { get; init; }

    /// <summary>Token usage of model calls.</summary>
    public ModelUsage? Usage { get; init; }

    /// <summary>What was redacted (empty when redaction did not apply).</summary>
    public RedactionCounts Redactions { get; init; } = new();

    /// <summary>True when the upstream was called.</summary>
    public bool Invoked { get; init; } = true;

    /// <summary>True when the body was cut to a limit (context packs).</summary>
    public bool Truncated { get; init; }

    /// <summary>True for 2xx upstream answers.</summary>
    public bool IsSuccess => StatusCode is >= 200 and < 300;
}
