using System.Text.Json.Serialization;

namespace Gateway.Policy;

/// <summary>Where the content of one argument came from.</summary>
public sealed record ProvenanceEntry
{
    /// <summary>JSON path of the argument, e.g. <c>$.content</c>.</summary>
    [JsonPropertyName("arg_path")]
    public required string ArgPath { get; init; }

    [JsonPropertyName("source")]
    public required ProvenanceSource Source { get; init; }
}
