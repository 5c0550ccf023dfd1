using System.Text.Json;
using System.Text.Json.Serialization;

namespace Gateway.Policy;

/// <summary>
/// The body of <c>/v1/evaluate</c> and <c>/v1/actions/invoke-tool</c> (agent-protocol). Deserialise it with
/// <see cref="Serialization.PolicyJsonContext"/> (unknown members are refused).
/// </summary>
public sealed record ActionRequest
{
    [JsonPropertyName("tool")]
    public required string Tool { get; init; }

    /// <summary>The tool's arguments (a JSON object), or undefined when absent.</summary>
    [JsonPropertyName("args")]
    public JsonElement Args { get; init; }

    [JsonPropertyName("targets")]
    public IReadOnlyList<ActionTarget>? Targets { get; init; }

    /// <summary>Classes the request declares; they widen the catalog's, never narrow them.</summary>
    [JsonPropertyName("data_classes")]
    public IReadOnlyList<DataClass>? DataClasses { get; init; }

    [JsonPropertyName("provenance")]
    public IReadOnlyList<ProvenanceEntry>? Provenance { get; init; }

    /// <summary>An approval warrant; verified by the host, which then calls <see cref="Decision.WithWarrant"/>.</summary>
    [JsonPropertyName("warrant")]
    public string? Warrant { get; init; }

    /// <summary>Evaluate in shadow mode: report what would happen, enforce nothing.</summary>
    [JsonPropertyName("simulate")]
    public bool Simulate { get; init; }
}
