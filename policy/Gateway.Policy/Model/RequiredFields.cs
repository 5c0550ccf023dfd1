using System.Text.Json.Serialization;

namespace Gateway.Policy;

/// <summary>Request fields a custom rule may require (<c>require:</c> in a rule); missing ones fail closed.</summary>
[Flags]
[JsonConverter(typeof(JsonStringEnumConverter<RequiredFields>))]
public enum RequiredFields
{
    None = 0,

    [JsonStringEnumMemberName("provenance")]
    Provenance = 1,

    [JsonStringEnumMemberName("targets")]
    Targets = 2,

    [JsonStringEnumMemberName("data_classes")]
    DataClasses = 4,

    [JsonStringEnumMemberName("args")]
    Args = 8,
}
