using System.Globalization;
using System.Text;
using System.Text.Json.Serialization;

namespace Gamut.Agent;

/// <summary>The body of <c>GET /v1/approvals/{id}</c>. <see cref="ToString"/> leaves out <see cref="Warrant"/> (a bearer value).</summary>
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

    // The compiler's ToString prints every member: this one leaves out the warrant.
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append(CultureInfo.InvariantCulture, $"Id = {Id}, Status = {Status}, Approvers = [{string.Join(", ", Approvers)}], Approvals = [{string.Join(", ", Approvals)}], ");
        builder.Append(CultureInfo.InvariantCulture, $"ApprovalsRequired = {ApprovalsRequired}, ExpiresAt = {ExpiresAt:O}");
        return true;
    }
}
