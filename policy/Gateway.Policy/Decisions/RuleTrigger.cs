using System.Text.Json.Serialization;

namespace Gateway.Policy;

/// <summary>
/// Something that moved the decision: a failing control (<c>rule</c> = <c>control:&lt;id&gt;</c>), an approval
/// obligation, or a custom rule (<c>rule</c> = its id).
/// </summary>
public sealed record RuleTrigger
{
    [JsonPropertyName("rule")]
    public required string Rule { get; init; }

    [JsonPropertyName("reason_code")]
    public required string ReasonCode { get; init; }

    /// <summary>The decision this trigger asks for on its own.</summary>
    [JsonPropertyName("effect")]
    public required DecisionKind Effect { get; init; }

    [JsonPropertyName("message")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Message { get; init; }
}
