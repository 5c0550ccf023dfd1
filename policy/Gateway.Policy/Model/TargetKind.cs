using System.Text.Json.Serialization;

namespace Gateway.Policy;

/// <summary>The kind of a declared request target.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<TargetKind>))]
public enum TargetKind
{
    [JsonStringEnumMemberName("url")]
    Url,

    [JsonStringEnumMemberName("host")]
    Host,

    [JsonStringEnumMemberName("path")]
    Path,

    [JsonStringEnumMemberName("repo")]
    Repo,

    [JsonStringEnumMemberName("table")]
    Table,

    [JsonStringEnumMemberName("bucket")]
    Bucket,

    [JsonStringEnumMemberName("queue")]
    Queue,

    [JsonStringEnumMemberName("topic")]
    Topic,

    [JsonStringEnumMemberName("other")]
    Other,
}
