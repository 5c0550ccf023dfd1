using System.Text.Json.Serialization;

namespace Gateway.Policy;

/// <summary>One data classification (decision-model §1). Regulated: pii, confidential, restricted, top_secret.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<DataClass>))]
public enum DataClass
{
    [JsonStringEnumMemberName("public")]
    Public,

    [JsonStringEnumMemberName("internal")]
    Internal,

    [JsonStringEnumMemberName("confidential")]
    Confidential,

    [JsonStringEnumMemberName("pii")]
    Pii,

    [JsonStringEnumMemberName("restricted")]
    Restricted,

    [JsonStringEnumMemberName("top_secret")]
    TopSecret,
}
