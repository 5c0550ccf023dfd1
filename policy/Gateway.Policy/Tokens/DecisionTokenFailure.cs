using System.Text.Json.Serialization;

namespace Gateway.Policy.Tokens;

/// <summary>Why a decision token was refused; stable snake_case codes.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<DecisionTokenFailure>))]
public enum DecisionTokenFailure
{
    [JsonStringEnumMemberName("none")]
    None,

    [JsonStringEnumMemberName("missing")]
    Missing,

    [JsonStringEnumMemberName("malformed")]
    Malformed,

    [JsonStringEnumMemberName("unsupported_version")]
    UnsupportedVersion,

    [JsonStringEnumMemberName("bad_signature")]
    BadSignature,

    [JsonStringEnumMemberName("expired")]
    Expired,

    [JsonStringEnumMemberName("not_yet_valid")]
    NotYetValid,

    [JsonStringEnumMemberName("lifetime_too_long")]
    LifetimeTooLong,

    [JsonStringEnumMemberName("wrong_tenant")]
    WrongTenant,

    [JsonStringEnumMemberName("wrong_tool")]
    WrongTool,

    [JsonStringEnumMemberName("wrong_intent")]
    WrongIntent,

    [JsonStringEnumMemberName("decision_not_allowed")]
    DecisionNotAllowed,
}
