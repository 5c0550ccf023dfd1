using System.Text.Json.Serialization;

namespace Gateway.Policy;

/// <summary>What a rate limit counts against.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<RateLimitScope>))]
public enum RateLimitScope
{
    [JsonStringEnumMemberName("tenant")]
    Tenant,

    [JsonStringEnumMemberName("agent")]
    Agent,

    [JsonStringEnumMemberName("tool")]
    Tool,
}
