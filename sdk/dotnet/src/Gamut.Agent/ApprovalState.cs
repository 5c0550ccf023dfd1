using System.Text.Json.Serialization;

namespace Gamut.Agent;

/// <summary>The body of <c>GET /v1/approvals/{id}</c>.</summary>
public sealed record ApprovalState
{
    [JsonPropertyName("id")]
    public string Id { get; init; } = string.Empty;

    /// <summary><c>pending</c>, <c>approved</c>, <c>denied</c> or <c>expired</c>.</summary>
    [JsonPropertyName("status")]
    public string Status { get; init; } = string.Empty;

    [JsonPropertyName("approvers")]
    public IReadOnlyList<string> Approvers { get; init; } = [];

    [JsonPropertyName("approvals")]
    public IReadOnlyList<string> Approvals { get; init; } = [];

    [JsonPropertyName("approvals_required")]
    public int ApprovalsRequired { get; init; }

    [JsonPropertyName("expires_at")]
    public DateTimeOffset ExpiresAt { get; init; }

    /// <summary>Only once approved.</summary>
    [JsonPropertyName("warrant")]
    public string? Warrant { get; init; }
}
