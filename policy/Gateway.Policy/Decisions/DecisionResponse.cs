using System.Text.Json;
using System.Text.Json.Serialization;

namespace Gateway.Policy;

/// <summary>
/// The agent-protocol response of <c>/v1/evaluate</c> and the governed actions. Serialise with
/// <see cref="Serialization.PolicyJsonContext"/>.
/// </summary>
public sealed record DecisionResponse
{
    [JsonPropertyName("invoked")]
    public bool Invoked { get; init; }

    [JsonPropertyName("decision")]
    public required DecisionKind Decision { get; init; }

    [JsonPropertyName("explanation")]
    public required Explanation Explanation { get; init; }

    /// <summary>Allow family only.</summary>
    [JsonPropertyName("decision_token")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? DecisionToken { get; init; }

    /// <summary>require_approval only.</summary>
    [JsonPropertyName("approval")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ApprovalReference? Approval { get; init; }

    /// <summary>The connector's response, for governed actions that invoked it.</summary>
    [JsonPropertyName("result")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public JsonElement? Result { get; init; }

    /// <summary>The response for <paramref name="decision"/>; a token is attached only to the allow family.</summary>
    public static DecisionResponse For(Decision decision, string? decisionToken = null, ApprovalReference? approval = null)
    {
        ArgumentNullException.ThrowIfNull(decision);
        return new DecisionResponse
        {
            Decision = decision.Kind,
            Explanation = decision.Explanation,
            DecisionToken = decision.IsAllowFamily ? decisionToken : null,
            Approval = decision.Kind == DecisionKind.RequireApproval ? approval : null,
        };
    }
}
