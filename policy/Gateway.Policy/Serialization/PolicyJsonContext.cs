using System.Text.Json.Serialization;
using Gateway.Policy.Tokens;

namespace Gateway.Policy.Serialization;

/// <summary>
/// Source-generated System.Text.Json metadata for the wire types: request bodies (unknown members refused),
/// decisions, explanations and decision-token payloads. Use <c>PolicyJsonContext.Default.DecisionResponse</c> etc.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(ActionRequest))]
[JsonSerializable(typeof(DecisionResponse))]
[JsonSerializable(typeof(Explanation))]
[JsonSerializable(typeof(ControlResult))]
[JsonSerializable(typeof(RuleTrigger))]
[JsonSerializable(typeof(OpenRisk))]
[JsonSerializable(typeof(ApprovalReference))]
[JsonSerializable(typeof(DecisionTokenPayload))]
public sealed partial class PolicyJsonContext : JsonSerializerContext;
