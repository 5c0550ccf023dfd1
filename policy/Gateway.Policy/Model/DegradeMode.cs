using System.Text.Json.Serialization;

namespace Gateway.Policy;

/// <summary>The reduced form a connector runs in when the decision is degrade.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<DegradeMode>))]
public enum DegradeMode
{
    [JsonStringEnumMemberName("redact")]
    Redact,

    [JsonStringEnumMemberName("read_only")]
    ReadOnly,

    [JsonStringEnumMemberName("dry_run")]
    DryRun,

    [JsonStringEnumMemberName("route")]
    Route,

    /// <summary>Regulated values in the response are masked (a rule's choice; the connector applies it as redaction).</summary>
    [JsonStringEnumMemberName("mask")]
    Mask,
}
