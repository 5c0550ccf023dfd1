using System.Text.Json.Serialization;

namespace Gateway.Policy;

/// <summary>The six decisions (decision-model §4, §5).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<DecisionKind>))]
public enum DecisionKind
{
    [JsonStringEnumMemberName("allow")]
    Allow,

    [JsonStringEnumMemberName("allow_and_log")]
    AllowAndLog,

    [JsonStringEnumMemberName("degrade")]
    Degrade,

    [JsonStringEnumMemberName("require_approval")]
    RequireApproval,

    [JsonStringEnumMemberName("block")]
    Block,

    [JsonStringEnumMemberName("block_and_open_incident")]
    BlockAndOpenIncident,
}
