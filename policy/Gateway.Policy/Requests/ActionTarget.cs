using System.Text.Json.Serialization;

namespace Gateway.Policy;

/// <summary>A target the request declares it acts on.</summary>
public sealed record ActionTarget
{
    [JsonPropertyName("kind")]
    public required TargetKind Kind { get; init; }

    [JsonPropertyName("value")]
    public required string Value { get; init; }
}
