using System.Text.Json.Serialization;

namespace Gateway.Policy;

/// <summary>The approval request the host created for a require_approval.</summary>
public sealed record ApprovalReference(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("url")] string Url);
