using System.Text.Json.Serialization;

namespace Gateway.Policy;

/// <summary>Where an HTTP connector puts the tool's arguments.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ArgumentLocation>))]
public enum ArgumentLocation
{
    [JsonStringEnumMemberName("body")]
    Body,

    [JsonStringEnumMemberName("query")]
    Query,
}
