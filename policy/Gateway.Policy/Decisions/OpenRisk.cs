using System.Text.Json.Serialization;

namespace Gateway.Policy;

/// <summary>An open risk or finding linked to the agent, surfaced by control 10.</summary>
public sealed record OpenRisk(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("kind")] RiskItemKind Kind,
    [property: JsonPropertyName("severity")] Severity Severity,
    [property: JsonPropertyName("title"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Title);
