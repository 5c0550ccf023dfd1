using System.Text.Json.Serialization;

namespace Gateway.Policy;

/// <summary>The kind of effect an action has (decision-model §1).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ActionType>))]
public enum ActionType
{
    [JsonStringEnumMemberName("read")]
    Read,

    [JsonStringEnumMemberName("write")]
    Write,

    [JsonStringEnumMemberName("delete")]
    Delete,

    [JsonStringEnumMemberName("external")]
    External,

    [JsonStringEnumMemberName("financial")]
    Financial,

    [JsonStringEnumMemberName("code_modification")]
    CodeModification,

    [JsonStringEnumMemberName("model_inference")]
    ModelInference,

    [JsonStringEnumMemberName("context")]
    Context,
}
